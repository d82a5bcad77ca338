(** * Question 2: the logits of unit vectors lie in [[-1, 1]], in every dimension.

    A logit of Eq. (1) is [f(x_i)^T f(y_j)] with both features on the unit sphere.  From
    [0 <= ||u - v||^2 = 2 - 2 u^T v] and [0 <= ||u + v||^2 = 2 + 2 u^T v] (Question 3),
    [-1 <= u^T v <= 1]; both ends are attained ([v = u] and [v = -u]). *)

From Coq Require Import Reals Lra List.
From Companion Require Import Vectors Q3.
Import ListNotations.
Open Scope R_scope.

Theorem unit_dot_bounds : forall u v : list R, length u = length v ->
  norm2 u = 1 -> norm2 v = 1 -> -1 <= dot u v <= 1.
Proof.
  intros u v Hl Hu Hv.
  pose proof (norm2_nonneg (vsub u v)) as Hsub.
  pose proof (norm2_nonneg (vadd u v)) as Hadd.
  rewrite sq_dist_unit_sphere in Hsub by assumption.
  rewrite norm2_vadd, Hu, Hv in Hadd by exact Hl.
  lra.
Qed.

Fixpoint vopp (u : list R) : list R :=
  match u with [] => [] | x :: u' => (- x) :: vopp u' end.

Lemma dot_vopp : forall u, dot u (vopp u) = - norm2 u.
Proof. unfold norm2; induction u as [| x u IH]; simpl; [ring | rewrite IH; ring]. Qed.

(** Every logit [f(x_i)^T f(y_j)] of features on the unit sphere in [R^d] lies in [[-1, 1]],
    and both ends are attained by some pair of unit vectors. *)
Theorem logits_in_unit_interval : forall (d : nat) (fx : list R) (fy : nat -> list R),
  length fx = d -> norm2 fx = 1 ->
  (forall j, length (fy j) = d /\ norm2 (fy j) = 1) ->
  forall j, -1 <= dot fx (fy j) <= 1.
Proof.
  intros d fx fy Hl Hx Hy j; destruct (Hy j) as [Hlj Hj].
  apply unit_dot_bounds; [congruence | exact Hx | exact Hj].
Qed.

Theorem logit_bounds_attained : forall u : list R, norm2 u = 1 ->
  dot u u = 1 /\ dot u (vopp u) = -1.
Proof. intros u Hu; split; [exact Hu | rewrite dot_vopp, Hu; ring]. Qed.
