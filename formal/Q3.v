(** * Question 3: distances and dot products, in every dimension.

    For vectors [u, v] of any common length [d]:
    [||u - v||^2 = ||u||^2 + ||v||^2 - 2 u^T v], and on the unit sphere
    [||u - v||^2 = 2 - 2 u^T v] (the cosine similarity of unit vectors is [u^T v]). *)

From Coq Require Import Reals Lra List.
From Companion Require Import Vectors.
Open Scope R_scope.

Theorem sq_dist_dot : forall u v : list R, length u = length v ->
  norm2 (vsub u v) = norm2 u + norm2 v - 2 * dot u v.
Proof. exact norm2_vsub. Qed.

Theorem sq_dist_unit_sphere : forall u v : list R, length u = length v ->
  norm2 u = 1 -> norm2 v = 1 -> norm2 (vsub u v) = 2 - 2 * dot u v.
Proof. intros u v Hl Hu Hv; rewrite sq_dist_dot, Hu, Hv by exact Hl; ring. Qed.
