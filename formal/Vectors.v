(** * Vectors of any length as lists of reals.

    A vector of [R^d] is a [list R] of length [d]; nothing below fixes [d].  The operations
    pair coordinates in order and are meant for vectors of equal length (the theorems that
    need it say so).  [dot u v] is [u^T v], [norm2 u] is [||u||^2]. *)

From Coq Require Import Reals Lra List.
Import ListNotations.
Open Scope R_scope.

Fixpoint dot (u v : list R) : R :=
  match u, v with
  | x :: u', y :: v' => x * y + dot u' v'
  | _, _ => 0
  end.

Fixpoint vsub (u v : list R) : list R :=
  match u, v with
  | x :: u', y :: v' => (x - y) :: vsub u' v'
  | _, _ => []
  end.

Fixpoint vadd (u v : list R) : list R :=
  match u, v with
  | x :: u', y :: v' => (x + y) :: vadd u' v'
  | _, _ => []
  end.

Definition norm2 (u : list R) : R := dot u u.

(** The Euclidean distance [||u - v||_2]. *)
Definition dist (u v : list R) : R := sqrt (norm2 (vsub u v)).

Lemma dot_comm : forall u v, dot u v = dot v u.
Proof.
  induction u as [| x u IH]; destruct v as [| y v]; simpl; try reflexivity.
  rewrite IH; ring.
Qed.

Lemma norm2_nonneg : forall u, 0 <= norm2 u.
Proof.
  unfold norm2; induction u as [| x u IH]; simpl.
  - lra.
  - pose proof (Rle_0_sqr x) as H; unfold Rsqr in H; lra.
Qed.

Lemma norm2_vsub : forall u v, length u = length v ->
  norm2 (vsub u v) = norm2 u + norm2 v - 2 * dot u v.
Proof.
  unfold norm2; induction u as [| x u IH]; destruct v as [| y v]; simpl; intro Hl;
    try discriminate; try ring.
  injection Hl as Hl; rewrite (IH v Hl); ring.
Qed.

Lemma norm2_vadd : forall u v, length u = length v ->
  norm2 (vadd u v) = norm2 u + norm2 v + 2 * dot u v.
Proof.
  unfold norm2; induction u as [| x u IH]; destruct v as [| y v]; simpl; intro Hl;
    try discriminate; try ring.
  injection Hl as Hl; rewrite (IH v Hl); ring.
Qed.

Lemma vsub_diag : forall u, norm2 (vsub u u) = 0.
Proof.
  unfold norm2; induction u as [| x u IH]; simpl; [reflexivity | rewrite IH; ring].
Qed.

Lemma dist_diag : forall u, dist u u = 0.
Proof. intro u; unfold dist; rewrite vsub_diag; exact sqrt_0. Qed.

Lemma dist_nonneg : forall u v, 0 <= dist u v.
Proof. intros; apply sqrt_pos. Qed.
