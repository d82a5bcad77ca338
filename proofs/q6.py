"""Question 6: cross-entropy supervised learning as dual-encoder contrastive learning (6.1, 6.2)."""

from __future__ import annotations

import itertools

from figures import losses as figs
from theory import losses as T

from .checks import derivations_hold, hypothesis_holds
from .formal import Theorem
from .order import POINTS, YES_NO
from .registry import Claim, FigureSpec, check, register

C_, IN_, HID_, DF_ = 4, 5, 16, 6  # classes, input dim, hidden width, d_feature


def _setup(seed: int, per_class: int = 6, counts=None):
    import torch

    from numerics.dual_encoder import Classifier, balanced_dataset

    g = torch.Generator().manual_seed(seed)
    model = Classifier(IN_, HID_, DF_, C_, generator=g)
    x, y = balanced_dataset(C_, per_class, IN_, generator=g, counts=counts)
    return model, x, y


def _f(t) -> float:
    """A scalar tensor (possibly part of a graph) as a float."""
    return float(t.detach())


def _max_grad_diff(model, a, b) -> float:
    import torch

    ga = torch.autograd.grad(a, list(model.parameters()), retain_graph=True)
    gb = torch.autograd.grad(b, list(model.parameters()), retain_graph=True)
    return max(float((u - v).abs().max()) for u, v in zip(ga, gb))


def _q61_data(ctx):
    def compute():
        import torch

        from numerics.dual_encoder import ce_objective, dual_objective, per_sample_terms

        torch.set_num_threads(1)
        model, x, y = _setup(ctx.seed)
        ce_terms = torch.nn.functional.cross_entropy(model(x), y, reduction="none")
        dual_terms = per_sample_terms(model, x, y)
        out = {"ce_terms": ce_terms.detach(), "dual_terms": dual_terms.detach(),
               "max_term_diff": _f((ce_terms - dual_terms).abs().max())}
        out["balanced"] = {"ce": _f(ce_objective(model, x, y)), "dual": _f(dual_objective(model, x, y, C_))}
        xu, yu = _setup(ctx.seed, counts=[1, 2, 4, 9])[1:]
        out["unbalanced"] = {"ce": _f(ce_objective(model, xu, yu)), "dual": _f(dual_objective(model, xu, yu, C_))}
        return out

    return ctx.cached("q6_dual_vs_ce", compute)


# --------------------------------------------------------------------------- q6.1

@check("symbolic", "sympy: per-sample dual-encoder term = cross-entropy term (symbolic C, W, features)")
def _q61_symbolic(ctx):
    ok, detail = derivations_hold(T.logit_identity_derivation(), T.dual_ce_derivation(), T.class_balance_derivation())
    concrete = T.dual_ce_concrete()
    return ok and concrete, f"{detail}; written out for C = 2..3, d_feature = 1..2: {concrete}"


@check("experiment", "random MLP, class-balanced data: Eq. (8) under the mapping = cross_entropy, equal gradients")
def _q61_experiment(ctx):
    import torch

    from numerics.dual_encoder import (
        ce_objective,
        dual_objective,
        dual_objective_enumerated,
    )

    torch.set_num_threads(1)
    rows, ok = [], True
    for seed in range(ctx.seed, ctx.seed + 3):
        model, x, y = _setup(seed)
        ce = ce_objective(model, x, y)
        du = dual_objective(model, x, y, C_)
        gdiff = _max_grad_diff(model, ce, du)
        ok &= abs(float((ce - du).detach())) <= 1e-10 and gdiff <= 1e-10
        rows.append(f"seed {seed}: xce {_f(ce):.12f}, dual {_f(du):.12f}, max |grad diff| {gdiff:.1e}")
    # brute force over every draw (3 per class: 3^4 = 81 draws) through dual_encoder_loss
    model, x, y = _setup(ctx.seed, per_class=3)
    ce = ce_objective(model, x, y)
    en = dual_objective_enumerated(model, x, y, C_)
    ok &= abs(_f(ce - en)) <= 1e-10
    rows.append(f"all 81 draws enumerated: |xce - dual| = {abs(_f(ce - en)):.1e}")
    # identical training: 25 SGD steps on each objective from the same start
    m1, x, y = _setup(ctx.seed + 7)
    m2, _, _ = _setup(ctx.seed + 7)
    o1 = torch.optim.SGD(m1.parameters(), lr=0.5)
    o2 = torch.optim.SGD(m2.parameters(), lr=0.5)
    first = _f(ce_objective(m1, x, y))
    for _ in range(25):
        o1.zero_grad()
        ce_objective(m1, x, y).backward()
        o1.step()
        o2.zero_grad()
        dual_objective(m2, x, y, C_).backward()
        o2.step()
    pdiff = max(_f((a - b).abs().max()) for a, b in zip(m1.parameters(), m2.parameters()))
    last = _f(ce_objective(m1, x, y))
    ok &= pdiff <= 1e-10 and last < first
    rows.append(f"25 SGD steps on each: loss {first:.4f} -> {last:.4f}, max |param diff| {pdiff:.1e}")
    return ok, "; ".join(rows)


@check("counterexample", "without class balance the two objectives differ (and reweighting by n_i/K repairs it)")
def _q61_unbalanced(ctx):

    from numerics.dual_encoder import (
        ce_objective,
        class_indices,
        dual_objective,
        dual_objective_enumerated,
        per_sample_terms,
    )

    counts = [1, 2, 4, 9]
    model, x, y = _setup(ctx.seed, counts=counts)
    ce = ce_objective(model, x, y)
    du = dual_objective(model, x, y, C_)
    en = dual_objective_enumerated(model, x, y, C_)  # 1*2*4*9 = 72 draws
    gdiff = _max_grad_diff(model, ce, du)
    terms = per_sample_terms(model, x, y)
    idx = class_indices(y, C_)
    K = len(y)
    reweighted = sum(len(ix) / K * terms[ix].mean() for ix in idx)  # sum_i (n_i/K) E_{p_i}
    ok = (abs(_f(ce - du)) > 1e-3 and gdiff > 1e-3 and abs(_f(du - en)) <= 1e-12
          and abs(_f(reweighted - ce)) <= 1e-12)
    return ok, (f"class counts {counts}: xce = {_f(ce):.6f} but (1/N) sum_i E_p_i = {_f(du):.6f} "
                f"(all 72 draws enumerated: {_f(en):.6f}); difference {_f(du - ce):+.4f}, max |grad diff| "
                f"{gdiff:.3f}; weighting class i by n_i/K instead of 1/N gives {_f(reweighted):.6f} = xce "
                f"(|diff| {abs(_f(reweighted - ce)):.1e})")


SHORT_61 = {"N": "C", "p_i": "Uniform{(x_k, i) : y_k = i} on X1 x X2", "d": "d_feature + 1", "X1": "X",
            "X2": "{1, ..., C}", "f1": "[g_feature(x) :: 1]", "f2": "W_c"}

#: How each stated part of the mapping reads, for a classifier ``model`` with C classes.
READ_61 = {
    "N": {"C": lambda K: C_, "K": lambda K: K},
    "d": {"d_feature + 1": DF_ + 1, "d_feature": DF_, "C": C_},
    "X1": {"X": "X"},
    "X2": {"{1, ..., C}": "labels"},
    # the samples p_i draws x^(1) from: the class-i samples, or every sample
    "p_i": {"Uniform{(x_k, i) : y_k = i} on X1 x X2": "class", "Uniform{(x_k, y_k)} on X1 x X2": "all"},
    "f1": {"[g_feature(x) :: 1]": lambda model, x: _f1(model, x), "g_feature(x)": lambda model, x: model.feature(x)},
    "f2": {"W_c": lambda model, c: model.W[c], "W_c without its bias": lambda model, c: model.last.weight[c]},
}


def _f1(model, x):
    from numerics.dual_encoder import f1

    return f1(model, x)


@check("exact", "the stated mapping, executed: Eq. (8) with it equals Eq. (9), values and gradients")
def _q61_stated(ctx, claim):
    import torch

    from numerics.dual_encoder import ce_objective, class_indices

    s = claim.short
    unread = [key for key, table in READ_61.items() if s.get(key) not in table]
    if unread:
        return False, f"cannot read {', '.join(f'{k} = {s.get(k)!r}' for k in unread)}"
    model, x, y = _setup(ctx.seed)
    N = READ_61["N"][s["N"]](len(y))
    try:
        idx = class_indices(y, N)  # p_i needs samples of class i for every i = 1..N
    except ValueError as exc:
        return False, f"N = {s['N']} = {N}: {exc}"
    if READ_61["p_i"][s["p_i"]] == "all":
        idx = [torch.arange(len(y)) for _ in range(N)]
    feats = READ_61["f1"][s["f1"]](model, x)                         # (K, d)
    keys = READ_61["f2"][s["f2"]](model, torch.arange(N))            # (N, d)
    d = READ_61["d"][s["d"]]
    if feats.shape[1] != d or keys.shape[1] != d:
        return False, f"stated d = {s['d']} = {d}, but f_1 gives {feats.shape[1]} and f_2 {keys.shape[1]} coordinates"
    logits = feats @ keys.T                                          # [k, j] = f_1(x_k)^T f_2(j)
    rows = -torch.log_softmax(logits, dim=1)
    dual = torch.stack([rows[ix, i].mean() for i, ix in enumerate(idx)]).mean()
    ce = ce_objective(model, x, y)
    gdiff = _max_grad_diff(model, ce, dual)
    ok = abs(_f(ce - dual)) <= 1e-10 and gdiff <= 1e-10
    return ok, (f"stated mapping on a random MLP (C = {C_}, class-balanced): Eq. (8) = {_f(dual):.12f}, "
                f"Eq. (9) = {_f(ce):.12f}, max |grad diff| {gdiff:.1e} (tolerance 1e-10)")


# --------------------------------------------------------------------------- q6.2

@check("exact", "exhaustive: every integer W in {-1,0,1}^(3x2), feature in {-1,0,1}, label: both rules agree",
       rejects=("No",))
def _q62_exact(ctx):
    import torch

    from numerics.dual_encoder import ce_correct, dual_correct

    cases = agree = ties = 0
    for wflat in itertools.product((-1, 0, 1), repeat=6):
        W = torch.tensor(wflat, dtype=torch.float64).reshape(3, 2)  # C = 3, d_feature = 1 (+ bias)
        feats = torch.tensor([[h, 1.0] for h in (-1.0, 0.0, 1.0)], dtype=torch.float64)
        logits = feats @ W.T  # g(x) = W [h :: 1]
        for label in range(3):
            y = torch.full((3,), label, dtype=torch.long)
            a = ce_correct(logits, y)
            b = dual_correct(feats, W, y)
            top = logits.max(dim=1).values
            ties += int(((logits == top[:, None]).sum(dim=1) > 1).sum())
            cases += 3
            agree += int((a == b).sum())
    return agree == cases, f"{agree}/{cases} cases agree, {ties} of them with a tied maximum logit"


@check("property", "hypothesis: random (quantized, tie-prone) models: per-sample correctness and accuracies agree")
def _q62_property(ctx):
    import torch
    from hypothesis import strategies as st

    from numerics.dual_encoder import (
        ce_correct,
        dual_accuracy_enumerated,
        dual_correct,
        f1,
    )

    stats = {"ties": 0, "samples": 0}

    def prop(seed, quant, per_class):
        model, x, y = _setup(seed, per_class=per_class)
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.round(p * quant) / quant)  # coarse weights: ties happen
            x = torch.round(x)
            feats = torch.round(f1(model, x) * quant) / quant
            model.feature = torch.nn.Identity()  # g(x) = W [feats :: 1]; same features for both
            logits = feats @ model.W.T
            a = ce_correct(logits, y)
            b = dual_correct(feats, model.W, y)
            top = logits.max(dim=1).values
            stats["ties"] += int(((logits == top[:, None]).sum(dim=1) > 1).sum())
            stats["samples"] += len(y)
            assert bool((a == b).all()), (logits, y)
            acc = float(a.double().mean())
            dacc = dual_accuracy_enumerated(feats, model.W, y, C_)
            assert abs(acc - dacc) <= 1e-12, (acc, dacc)

    ok, detail = hypothesis_holds(prop, [st.integers(0, 2**31 - 1), st.sampled_from([1, 2]),
                                         st.integers(1, 3)], max_examples=ctx.setting("q6_examples"),
                                  name="unique argmax of g(x) = y <=> target uniquely largest", seed=ctx.seed)
    return ok and stats["ties"] > 0, f"{detail}; {stats['samples']} samples, {stats['ties']} with tied maxima"


@check("symbolic", "sympy: f_1(x)^T f_2(c) = g(x)[c] for symbolic W and features")
def _q62_symbolic(ctx):
    return derivations_hold(T.logit_identity_derivation())


def _q62_data(ctx):
    def compute():
        import torch

        from numerics.dual_encoder import (
            ce_correct,
            ce_objective,
            dual_accuracy_enumerated,
            f1,
        )

        torch.set_num_threads(1)
        out = {"ce_accuracy": [], "dual_accuracy": [], "n_ties": 0, "step": []}
        for seed in range(4):
            model, x, y = _setup(1000 + seed, per_class=3)
            opt = torch.optim.SGD(model.parameters(), lr=0.3)
            for step in range(61):
                if step % 6 == 0:  # models along training, with coarse (tie-prone) logits
                    with torch.no_grad():
                        feats = torch.round(2 * f1(model, x)) / 2
                        W = torch.round(2 * model.W) / 2
                        logits = feats @ W.T
                        top = logits.max(dim=1).values
                        out["n_ties"] += int(((logits == top[:, None]).sum(dim=1) > 1).sum())
                        out["ce_accuracy"].append(float(ce_correct(logits, y).double().mean()))
                        out["dual_accuracy"].append(dual_accuracy_enumerated(feats, W, y, C_))
                        out["step"].append(step)
                opt.zero_grad()
                ce_objective(model, x, y).backward()
                opt.step()
        return out

    return ctx.cached("q6_accuracy_agreement", compute)


# --------------------------------------------------------------------------- registration

_MAPPING = (r"N = C,\quad p_i = \mathrm{Uniform}\{(x_k, i) : y_k = i\} \text{ on } \mathcal{X}_1\times\mathcal{X}_2,"
            r"\quad d = d_{feature} + 1,\quad \mathcal{X}_1 = \mathcal{X},\quad \mathcal{X}_2 = \{1,\dots,C\},"
            r"\quad f_1(x) = [g_{feature}(x) :: 1],\quad f_2(c) = W_c")

_PROOF_61 = r"""
Decompose $g(x) = W[g_{feature}(x) :: 1]$, where row $W_c \in \mathbb{R}^{d_{feature}+1}$ holds the last layer's weights of class $c$ with its bias last.  Take

- $N = C$, $\mathcal{X}_1 = \mathcal{X}$, $\mathcal{X}_2 = \{1, \dots, C\}$, $d = d_{feature} + 1$;
- $p_i = \mathrm{Uniform}\{(x_k, i) : y_k = i\}$, a distribution on $\mathcal{X}_1 \times \mathcal{X}_2$: its first coordinate is a uniformly chosen sample of class $i$, its second is the label $i$ itself;
- $f_1(x) = [g_{feature}(x) :: 1]$ and $f_2(c) = W_c$.

Then every logit of the dual encoder is a logit of the classifier,

$$""" + T.logit_identity_derivation().latex() + r"""$$

In a draw $x^{(2)}_j = j$ for every $j$, so the negatives of row $i$ are $f_2(j) = W_j$, $j \ne i$: the denominator of Eq. (8) is the softmax denominator over all $C$ classes, and with $x = x^{(1)}_i$, $y = i$,

$$""" + T.dual_ce_derivation().latex() + r"""$$

which is the term of Eq. (9).  Row $i$ depends on $x^{(1)}_i$ only, so $\mathcal{L}_{dual\text{-}enc\text{-}contr} = \frac1C\sum_i \mathbb{E}_{x \sim p_i}[\ell(x, i)]$.

**Where class balance is needed.**  Eq. (8) weights every class by $\frac1N$, while Eq. (9) weights class $i$ by its frequency $n_i/K$.  They agree exactly when the classes are evenly represented ($n_i = K/C$):

$$""" + T.class_balance_derivation().latex() + r"""$$

So with the homework's evenly represented classes the two objectives are the same function of the parameters $(g_{feature}, W)$, with the same gradients, and training one is training the other.  Without balance the dual-encoder objective is the class-balanced cross-entropy (the evidence shows the difference); weighting $p_i$ by $n_i/K$ instead of $\frac1N$ restores equality.
"""

register(Claim(
    id="q6.1",
    title="Cross-entropy classification as a dual-encoder contrastive loss",
    points=POINTS["q6.1"],
    statement=("Give $N$, $\\{p_i\\}$, $d$, $\\mathcal{X}_1$, $\\mathcal{X}_2$, $f_1$, $f_2$ such that training $g$ "
               "with $\\mathcal{L}_{xce}$ is training $f_1, f_2$ with $\\mathcal{L}_{dual\\text{-}enc\\text{-}contr}$."),
    answer=_MAPPING,
    short=dict(SHORT_61),
    alternatives=({**SHORT_61, "N": "K"}, {**SHORT_61, "p_i": "Uniform{(x_k, y_k)} on X1 x X2"},
                  {**SHORT_61, "d": "d_feature"},
                  {**SHORT_61, "f1": "g_feature(x)", "f2": "W_c without its bias", "d": "d_feature"}),
    proof=_PROOF_61,
    checks=(_q61_stated, _q61_symbolic, _q61_experiment, _q61_unbalanced),
    figures=(FigureSpec("q6_dual_vs_ce",
                        "Left: per-sample dual-encoder term (Eq. 8, under the mapping) against the cross-entropy "
                        "term (Eq. 9) for a random MLP. Right: the averaged objectives agree on class-balanced data "
                        "and differ on unbalanced data (class counts 1, 2, 4, 9).",
                        _q61_data, figs.dual_vs_ce),),
))

_PROOF_62 = r"""
**Yes.**  By the identity of Question 6.1, $f_1(x)^\top f_2(c) = g(x)[c]$ for every class $c$, so the logit vector of the dual-encoder classification question for row $i$ (Question 2) with $x^{(1)}_i = x$ is exactly $g(x)$, and its target is $i = y$.  Question 4 counts the question as correct iff "the largest entry of the logits is uniquely the target", i.e. $g(x)[y] > g(x)[c]$ for all $c \ne y$; Eq. (10) counts $(x, y)$ as correct iff $\arg\max_c g(x)[c] = y$ with a unique argmax.  These are the same condition, ties included: a tie at the top is wrong under both rules.

The correctness of each question depends on $x^{(1)}_i$ alone, so the contrastive accuracy is $\frac1C\sum_i \Pr_{x \sim p_i}[\text{correct}]$, the mean of per-class accuracies; with evenly represented classes it equals the supervised accuracy $\frac1K\sum_k \mathbf{1}[\text{correct}_k]$.  The evidence checks both statements exhaustively on small integer models (where ties are frequent) and on random tie-prone models.
"""

register(Claim(
    id="q6.2",
    title="The accuracies coincide",
    points=POINTS["q6.2"],
    statement=("Show that under this view the supervised accuracy of $g$ coincides with the contrastive accuracy "
               "of Question 4."),
    answer=(r"\text{Yes: } f_1(x)^\top f_2(c) = g(x)[c]\ \forall c,\ \text{so } "
            r"\arg\max_c g(x)[c] = y \text{ (unique)} \iff \text{the target logit is uniquely largest}"),
    short="Yes",
    options=YES_NO,
    proof=_PROOF_62,
    checks=(_q62_symbolic, _q62_exact, _q62_property),
    formal=(Theorem("Q6", "dual_encoder_accuracy_coincides",
                    "forall (X1 : Type) (C : nat) (g : X1 -> nat -> R) (f1 : X1 -> list R) (f2 : nat -> list R),\n"
                    "    (forall x c, (c < C)%nat -> dot (f1 x) (f2 c) = g x c) ->\n"
                    "    forall x y, dual_encoder_correct C f1 f2 x y <-> unique_argmax C (g x) y",
                    uses=("dot", "unique_argmax", "dual_encoder_correct"),
                    rejects=("No",)),),
    figures=(FigureSpec("q6_accuracy_agreement",
                        "Supervised accuracy (unique argmax) against the dual-encoder contrastive accuracy over all "
                        "draws, for models along cross-entropy training, with features and weights rounded to "
                        "halves so that ties occur.",
                        _q62_data, figs.accuracy_agreement),),
))
