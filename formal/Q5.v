(** * Question 5.1 (in part): the contrastive loss of Eq. (1) stays positive.

    One question of Eq. (1) with logits [l_1 .. l_N] and target [i] costs
    [- log (e^{l_i} / sum_j e^{l_j})].  With [N >= 2] the other terms of the sum are positive,
    so the fraction is below 1 and the cost is positive, whatever the logits: no encoder, on the
    sphere or not, reaches zero loss.  (The sharper lower bound
    [log (1 + (N - 1) e^{-N/(N-1)})] for unit-norm features is derived symbolically, not here.) *)

From Coq Require Import Reals Lra Lia List.
Import ListNotations.
Open Scope R_scope.

Fixpoint sum_exp (l : list R) : R :=
  match l with [] => 0 | a :: l' => exp a + sum_exp l' end.

Lemma sum_exp_nonneg : forall l, 0 <= sum_exp l.
Proof.
  induction l as [| a l IH]; simpl; [lra | pose proof (exp_pos a); lra].
Qed.

Lemma exp_nth_le_sum_exp : forall l i, (i < length l)%nat -> exp (nth i l 0) <= sum_exp l.
Proof.
  induction l as [| a l IH]; simpl; intros i Hi; [inversion Hi |].
  destruct i as [| k].
  - pose proof (sum_exp_nonneg l); lra.
  - pose proof (IH k (proj2 (Nat.succ_lt_mono k (length l)) Hi)); pose proof (exp_pos a); lra.
Qed.

Lemma exp_nth_lt_sum_exp : forall l i, (2 <= length l)%nat -> (i < length l)%nat ->
  exp (nth i l 0) < sum_exp l.
Proof.
  intros [| a [| b l]] i H2 Hi; simpl in *; try lia.
  destruct i as [| k]; simpl.
  - pose proof (exp_pos b); pose proof (sum_exp_nonneg l); lra.
  - pose proof (exp_nth_le_sum_exp (b :: l) k ltac:(simpl; lia)); simpl in *; pose proof (exp_pos a); lra.
Qed.

Theorem contrastive_term_positive : forall (l : list R) (i : nat),
  (2 <= length l)%nat -> (i < length l)%nat ->
  0 < - ln (exp (nth i l 0) / sum_exp l).
Proof.
  intros l i H2 Hi.
  pose proof (exp_nth_lt_sum_exp l i H2 Hi) as Hlt; pose proof (exp_pos (nth i l 0)) as He.
  assert (Hr : exp (nth i l 0) / sum_exp l < 1).
  { apply (Rmult_lt_reg_r (sum_exp l)); [lra |].
    unfold Rdiv; rewrite Rmult_assoc, Rinv_l by lra; lra. }
  assert (Hr0 : 0 < exp (nth i l 0) / sum_exp l) by (apply Rdiv_lt_0_compat; lra).
  pose proof (ln_increasing _ _ Hr0 Hr) as Hln; rewrite ln_1 in Hln; lra.
Qed.
