(** * Question 4f.1: overlapping supports break condition ii, in every dimension.

    If [a] in [S i] and [b] in [S j] ([i <> j]) have the same feature ([f a = f b], for
    example a point shared by both supports), then
    [margin_{i->j} <= ||f(a) - f(b)|| = 0 <= diameter_i], so [diameter_i < margin_{i->j}]
    fails, whatever the encoder and the dimension. *)

From Coq Require Import Reals Lra List.
From Companion Require Import Vectors Groups.
Open Scope R_scope.

Theorem shared_point_breaks_condition_ii :
  forall (X : Type) (N : nat) (f : X -> list R) (S : nat -> list X) (i j : nat) (a b : X),
    (i < N)%nat -> (j < N)%nat -> i <> j -> In a (S i) -> In b (S j) -> f a = f b ->
    ~ condition_ii N f S.
Proof.
  intros X N f S i j a b Hi Hj Hij Ha Hb Hab Hii.
  pose proof (Hii i j Hi Hj Hij) as Hlt.
  pose proof (margin_le_dist X f (S i) (S j) a b Ha Hb) as Hm.
  rewrite Hab, dist_diag in Hm.
  pose proof (diameter_nonneg X f (S i)).
  lra.
Qed.
