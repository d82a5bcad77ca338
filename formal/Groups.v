(** * Groups of features on the sphere: Eqs. (3) and (4) and perfect accuracy (Question 4).

    [N] similarity groups with finite supports [S i : list X] (Assumption (2)), an encoder
    [f : X -> R^d] (a vector is a [list R], see [Vectors]).
    - [diameter f (S i)] is Eq. (3): the largest distance [||f(s) - f(t)||_2], [s, t] in [S i];
    - [margin f (S i) (S j)] is Eq. (4): the smallest distance [||f(s_i) - f(s_j)||_2],
      [s_i] in [S i] and [s_j] in [S j];
    - a question (anchor [x] in [S i], one candidate [y j] in [S j] for every group [j]) is
      answered correctly when the target logit [f(x)^T f(y i)] is strictly larger than every
      other logit: a tie counts as a failure ("the largest entry is uniquely the target");
    - [perfect_accuracy] holds when every question is answered correctly. *)

From Coq Require Import Reals Lra List.
From Companion Require Import Vectors.
Import ListNotations.
Open Scope R_scope.

(** ** Largest and smallest entries of a list *)

Definition maxl (l : list R) : R := fold_right Rmax 0 l.

Definition minl (l : list R) : R :=
  match l with [] => 0 | x :: l' => fold_right Rmin x l' end.

Lemma maxl_ge : forall l x, In x l -> x <= maxl l.
Proof.
  induction l as [| a l IH]; simpl; intros x Hx; [contradiction |].
  destruct Hx as [-> | Hx]; [apply Rmax_l | eapply Rle_trans; [apply IH, Hx | apply Rmax_r]].
Qed.

Lemma maxl_nonneg : forall l, 0 <= maxl l.
Proof.
  induction l as [| a l IH]; simpl; [lra | eapply Rle_trans; [exact IH | apply Rmax_r]].
Qed.

Lemma fold_min_le_base : forall l a, fold_right Rmin a l <= a.
Proof.
  induction l as [| b l IH]; simpl; intro a; [lra | eapply Rle_trans; [apply Rmin_r | apply IH]].
Qed.

Lemma fold_min_le_in : forall l a x, In x l -> fold_right Rmin a l <= x.
Proof.
  induction l as [| b l IH]; simpl; intros a x Hx; [contradiction |].
  destruct Hx as [-> | Hx]; [apply Rmin_l | eapply Rle_trans; [apply Rmin_r | apply IH, Hx]].
Qed.

Lemma minl_le : forall l x, In x l -> minl l <= x.
Proof.
  intros [| a l] x Hx; [contradiction | simpl in *].
  destruct Hx as [-> | Hx]; [apply fold_min_le_base | apply fold_min_le_in, Hx].
Qed.

(** ** Eqs. (3) and (4) *)

Section Definitions.
Variable X : Type.

Definition pair_distances (f : X -> list R) (A B : list X) : list R :=
  flat_map (fun s => map (fun t => dist (f s) (f t)) B) A.

Definition diameter (f : X -> list R) (S : list X) : R := maxl (pair_distances f S S).

Definition margin (f : X -> list R) (Si Sj : list X) : R := minl (pair_distances f Si Sj).

Lemma pair_distance_in : forall f A B s t, In s A -> In t B ->
  In (dist (f s) (f t)) (pair_distances f A B).
Proof.
  intros f A B s t Hs Ht; unfold pair_distances; apply in_flat_map.
  exists s; split; [exact Hs | apply (in_map (fun t => dist (f s) (f t))), Ht].
Qed.

Lemma dist_le_diameter : forall f S s t, In s S -> In t S -> dist (f s) (f t) <= diameter f S.
Proof. intros; apply maxl_ge, pair_distance_in; assumption. Qed.

Lemma margin_le_dist : forall f Si Sj s t, In s Si -> In t Sj -> margin f Si Sj <= dist (f s) (f t).
Proof. intros; apply minl_le, pair_distance_in; assumption. Qed.

Lemma diameter_nonneg : forall f S, 0 <= diameter f S.
Proof. intros; apply maxl_nonneg. Qed.

(** ** The condition of Question 4c (option ii) and perfect accuracy *)

Definition condition_ii (N : nat) (f : X -> list R) (S : nat -> list X) : Prop :=
  forall i j, (i < N)%nat -> (j < N)%nat -> i <> j -> diameter f (S i) < margin f (S i) (S j).

Definition on_sphere (d N : nat) (f : X -> list R) (S : nat -> list X) : Prop :=
  forall i s, (i < N)%nat -> In s (S i) -> length (f s) = d /\ norm2 (f s) = 1.

Definition correct (N : nat) (f : X -> list R) (x : X) (y : nat -> X) (i : nat) : Prop :=
  forall j, (j < N)%nat -> j <> i -> dot (f x) (f (y j)) < dot (f x) (f (y i)).

Definition perfect_accuracy (N : nat) (f : X -> list R) (S : nat -> list X) : Prop :=
  forall i x y, (i < N)%nat -> In x (S i) -> (forall j, (j < N)%nat -> In (y j) (S j)) ->
    correct N f x y i.

End Definitions.

Arguments diameter {X}.
Arguments margin {X}.
Arguments condition_ii {X}.
Arguments on_sphere {X}.
Arguments correct {X}.
Arguments perfect_accuracy {X}.
