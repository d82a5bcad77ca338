(** * Question 4c: condition ii implies perfect accuracy, in every dimension.

    If every diameter is smaller than every margin ([condition_ii]), then for an anchor [x] in
    [S i], the positive [y i] in [S i] and a negative [y j] in [S j]:
    [||f(x) - f(y_i)|| <= diameter_i < margin_{i->j} <= ||f(x) - f(y_j)||], and on the sphere
    [||a - b||^2 = 2 - 2 a^T b] (Question 3) turns this into [f(x)^T f(y_j) < f(x)^T f(y_i)]:
    the target logit is strictly (uniquely) the largest. *)

From Coq Require Import Reals Lra List.
From Companion Require Import Vectors Q3 Groups.
Open Scope R_scope.

Theorem condition_ii_perfect_accuracy :
  forall (X : Type) (d N : nat) (f : X -> list R) (S : nat -> list X),
    on_sphere d N f S -> condition_ii N f S -> perfect_accuracy N f S.
Proof.
  intros X d N f S Hsph Hii i x y Hi Hx Hy j Hj Hji.
  pose proof (Hy i Hi) as Hyi; pose proof (Hy j Hj) as Hyj.
  destruct (Hsph i x Hi Hx) as [Lx Nx].
  destruct (Hsph i (y i) Hi Hyi) as [Li Ni].
  destruct (Hsph j (y j) Hj Hyj) as [Lj Nj].
  assert (Hlt : dist (f x) (f (y i)) < dist (f x) (f (y j))).
  { eapply Rle_lt_trans; [apply dist_le_diameter; eassumption |].
    eapply Rlt_le_trans; [apply (Hii i j Hi Hj (not_eq_sym Hji)) |].
    apply margin_le_dist; assumption. }
  unfold dist in Hlt; apply sqrt_lt_0_alt in Hlt.
  rewrite !sq_dist_unit_sphere in Hlt by congruence.
  lra.
Qed.
