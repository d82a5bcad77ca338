(** * Question 6.2: the supervised and the dual-encoder accuracies coincide, ties included.

    Under the view of Question 6.1, [f_1(x)^T f_2(c) = g(x)[c]] for every class [c] (classes are
    [0 .. C-1]).  Eq. (10): [g] predicts [(x, y)] correctly iff [y] is the unique argmax of the
    logits [g(x)[.]].  The dual-encoder question with anchor [x] and target [y] is answered
    correctly iff the target logit [f_1(x)^T f_2(y)] is strictly larger than every other
    [f_1(x)^T f_2(c)]: a tie is a failure in both.  The two agree on every example, so every
    average of them (the two accuracies) agrees. *)

From Coq Require Import Reals Lra List.
From Companion Require Import Vectors.
Open Scope R_scope.

(** Eq. (10): [y] is the unique argmax of [s] over the classes [0 .. C-1]. *)
Definition unique_argmax (C : nat) (s : nat -> R) (y : nat) : Prop :=
  (y < C)%nat /\ forall c, (c < C)%nat -> c <> y -> s c < s y.

(** The dual-encoder question (Eq. (8)) with anchor [x] and target class [y]. *)
Definition dual_encoder_correct {X1 : Type} (C : nat) (f1 : X1 -> list R) (f2 : nat -> list R)
  (x : X1) (y : nat) : Prop :=
  (y < C)%nat /\ forall c, (c < C)%nat -> c <> y -> dot (f1 x) (f2 c) < dot (f1 x) (f2 y).

Theorem dual_encoder_accuracy_coincides :
  forall (X1 : Type) (C : nat) (g : X1 -> nat -> R) (f1 : X1 -> list R) (f2 : nat -> list R),
    (forall x c, (c < C)%nat -> dot (f1 x) (f2 c) = g x c) ->
    forall x y, dual_encoder_correct C f1 f2 x y <-> unique_argmax C (g x) y.
Proof.
  intros X1 C g f1 f2 Hfg x y; unfold dual_encoder_correct, unique_argmax; split.
  - intros [Hy H]; split; [exact Hy |]; intros c Hc Hcy.
    rewrite <- (Hfg x c Hc), <- (Hfg x y Hy); exact (H c Hc Hcy).
  - intros [Hy H]; split; [exact Hy |]; intros c Hc Hcy.
    rewrite (Hfg x c Hc), (Hfg x y Hy); exact (H c Hc Hcy).
Qed.
