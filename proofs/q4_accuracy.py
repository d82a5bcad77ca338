"""Question 4 (a)-(d) and (f).1: which feature configurations classify perfectly, and why."""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np

from figures import geometry as figs
from numerics import geometry as geo
from numerics.geometry_cases import MODES, build_case
from numerics.rational_circle import angle_point
from theory.accuracy import logit_gap_derivation, squared_distance_as_logit_derivation

from .checks import derivations_hold, hypothesis_holds, z3_proves
from .order import POINTS
from .registry import Claim, FigureSpec, check, register

# --------------------------------------------------------------------------------------------
# Configurations (exact rational points; N = 3 groups of 4 points on S^1 for Q4a)
# --------------------------------------------------------------------------------------------


def _arc(degrees, den=12):
    """Exact rational points of S^1 near the given angles (Pythagorean triples)."""
    return [angle_point(math.radians(a), den) for a in degrees]


def q4a_configurations() -> list[tuple[str, list]]:
    """Four illustrative configurations: (title, groups) with exact Fraction coordinates."""
    return [
        ("A: three tight, evenly spaced groups",
         [_arc([78, 88, 98, 108]), _arc([198, 208, 218, 228]), _arc([318, 328, 338, 348])]),
        ("B: group 1 spreads past group 2",
         [_arc([60, 100, 140, 180]), _arc([200, 210, 220, 230]), _arc([300, 315, 330, 345])]),
        ("C: unequal spreads, still separated",
         [_arc([60, 80, 100, 120]), _arc([218, 224, 230, 236]), _arc([300, 306, 312, 318])]),
        ("D: mirror-image points, an exact tie",
         [[(F(1), F(0)), (F(12, 13), F(5, 13)), (F(4, 5), F(3, 5)), (F(3, 5), F(4, 5))],
          [(F(3, 5), F(-4, 5)), (F(5, 13), F(-12, 13)), (F(0), F(-1)), (F(-20, 101), F(-99, 101))],
          _arc([150, 163, 176, 189])]),
    ]


#: The answer this key gives for the four configurations above (checked, not assumed).
Q4A_SHORT = ["Yes", "No", "Yes", "No"]

# Q4c: exact configurations (Fractions).
#: Option i holds but accuracy fails: groups 1 and 2 interleave, group 3 is far from both.
OPTION_I_COUNTEREXAMPLE = [
    [(F(1), F(0)), (F(0), F(1))],
    [(F(3, 5), F(4, 5)), (F(4, 5), F(3, 5))],
    [(F(-3, 5), F(-4, 5)), (F(-4, 5), F(-3, 5))],
]
#: Option iii holds (group 1 is a single point: diameter 0) but accuracy fails.
OPTION_III_COUNTEREXAMPLE = [
    [(F(1), F(0))],
    [(F(0), F(1)), (F(0), F(-1))],
]
#: Option ii fails (diameter_1 = 16/17 > margin = 2/sqrt(5)) yet accuracy is perfect (S^2).
NOT_NECESSARY_EXAMPLE = [
    [(F(8, 17), F(0), F(15, 17)), (F(0), F(0), F(1)), (F(-8, 17), F(0), F(15, 17))],
    [(F(0), F(4, 5), F(3, 5))],
]
#: Q4f.1: the point (3/5, 4/5) lies in both groups (overlapping supports).
SHARED_POINT_EXAMPLE = [
    [(F(1), F(0)), (F(3, 5), F(4, 5))],
    [(F(3, 5), F(4, 5)), (F(0), F(1))],
    [(F(-1), F(0))],
]


def _fmt(v) -> str:
    return str(v) if isinstance(v, F) else f"{float(v):.6g}"


def _panel(title, groups, *, tol=geo.TIE_TOL) -> dict:
    dec = geo.decide(groups, tol=tol)
    panel = {"title": title, "groups": [[[float(c) for c in p] for p in g] for g in groups],
             "perfect": dec.perfect, "worst_gap": float(dec.gap[dec.worst]),
             "worst_gap_exact": _fmt(dec.gap[dec.worst]), "failure": None}
    if dec.failure:
        i, x, ys = dec.failure
        panel["failure"] = {"i": i, "x": x, "ys": list(ys),
                            "logits": [float(z) for z in geo.logits(groups, i, x, ys)]}
    return panel


def q4a_results() -> dict:
    return {"panels": [_panel(t, g) for t, g in q4a_configurations()]}


# --------------------------------------------------------------------------------------------
# q4a: the checker, the decomposition lemma, four configurations
# --------------------------------------------------------------------------------------------

@check("exact", "four exact configurations: decomposition = brute force, failing choices replayed")
def _q4a_exact(ctx):
    answers, lines, ok = [], [], True
    for (title, groups), want in zip(q4a_configurations(), Q4A_SHORT):
        dec = geo.decide(groups)
        bf = geo.find_failure_bruteforce(groups)
        n = geo.count_choices([len(g) for g in groups])
        ans = "Yes" if dec.perfect else "No"
        answers.append(ans)
        ok &= dec.perfect == (bf is None)
        desc = f"{title[:1]}: {ans} (worst gap {_fmt(dec.gap[dec.worst])}, {n} choices enumerated"
        if dec.failure:
            i, x, ys = dec.failure
            z = geo.logits(groups, i, x, ys)
            replay_fails = not geo.is_correct(groups, i, x, ys)
            ok &= replay_fails
            desc += f"; failing choice i={i + 1}, x={x + 1}, ys={[y + 1 for y in ys]}, logits {[_fmt(v) for v in z]}"
        lines.append(desc + ")")
    # D must fail only through an exact tie: worst gap exactly 0, every other anchor safe.
    dD = geo.decide(q4a_configurations()[3][1])
    tie_only = dD.gap[dD.worst] == 0 and sum(1 for g in dD.gap if g <= 0) == 1
    ok &= tie_only and answers == Q4A_SHORT
    return ok, "; ".join(lines) + f"; D fails only by one exact tie: {tie_only}; answers {answers}"


@check("smt", "z3: the decomposition lemma for every real logits, sizes up to 3 x 3 x 2")
def _q4a_smt(ctx):
    import itertools

    import z3

    done = []
    for sizes in [(1, 1), (2, 2), (3, 2), (2, 3, 2), (3, 2, 2), (2, 2, 2, 2)]:
        # Anchor in group 0; a[k] = x^T y for y in group 0, b[j][l] = x^T z for z in group j.
        a = z3.RealVector("a", sizes[0])
        b = [z3.RealVector(f"b{j}", m) for j, m in enumerate(sizes[1:], start=1)]
        every_choice = z3.And([z3.And([a[k] > b[j][l[j]] for j in range(len(b))])
                               for k in range(sizes[0])
                               for l in itertools.product(*(range(m) for m in sizes[1:]))])
        mn = a[0]
        for v in a[1:]:
            mn = z3.If(v < mn, v, mn)
        flat = [v for bj in b for v in bj]
        mx = flat[0]
        for v in flat[1:]:
            mx = z3.If(v > mx, v, mx)
        ok, msg = z3_proves(every_choice == (mn > mx), f"sizes {sizes}")
        if not ok:
            return False, msg
        done.append("x".join(map(str, sizes)))
    return True, ("z3 proved [all choices correct] <=> [min positive logit > max negative logit] "
                  f"(negation unsat) for group sizes {', '.join(done)}")


def _strategies():
    from hypothesis import strategies as st

    return [st.sampled_from(MODES),
            st.lists(st.lists(st.integers(0, 10 ** 4), min_size=1, max_size=3), min_size=2, max_size=4)]


def decomposition_property(stats: dict):
    """``prop(mode, picks)``: decision by decomposition = brute-force enumeration."""

    def prop(mode, picks):
        groups = build_case(mode, picks)
        cfg = geo.validate(groups)
        dec = geo.decide(cfg)
        bf = geo.find_failure_bruteforce(cfg)
        assert dec.perfect == (bf is None), (mode, picks, dec.failure, bf)
        assert geo.perfect_accuracy(cfg) == geo.perfect_accuracy_bruteforce(cfg)
        assert (dec.failure is None) == dec.perfect
        if dec.failure is not None:
            assert not geo.is_correct(cfg, *dec.failure), (mode, picks, dec.failure)
        w = dec.gap[dec.worst]
        stats["n"] += 1
        stats["perfect"] += dec.perfect
        stats["exact_tie"] += bool(cfg.exact and w == 0)
        stats["near_tie"] += bool(not cfg.exact and abs(float(w)) <= 1e-6)

    return prop


@check("property", "hypothesis: decomposition = brute force on >= 1000 small configurations")
def _q4a_property(ctx):
    stats = {"n": 0, "perfect": 0, "exact_tie": 0, "near_tie": 0}
    n = 1000 if ctx.fast else 4000
    ok, detail = hypothesis_holds(decomposition_property(stats), _strategies(), max_examples=n,
                                  name="perfect_accuracy/find_failure vs enumeration", seed=ctx.seed)
    enough = stats["n"] >= 1000 and stats["exact_tie"] >= 20 and stats["near_tie"] >= 5 \
        and 100 <= stats["perfect"] <= stats["n"] - 100
    return ok and enough, (f"{detail}; {stats['perfect']} perfect / {stats['n'] - stats['perfect']} "
                           f"failing, {stats['exact_tie']} decided by an exact tie, "
                           f"{stats['near_tie']} float near-ties (|gap| <= 1e-6)")


Q4A_FIG = FigureSpec(
    "q4a_configurations",
    "Four illustrative configurations (N = 3 groups of 4 exact rational points on the circle). "
    "For a No, the star is the anchor x, the solid chord goes to its positive y_i (the farthest "
    "point of its own group) and the dashed chord to the negative y_j whose logit is not smaller; "
    "grey rings mark the remaining y's.",
    data=lambda ctx: ctx.cached("q4a_configurations", q4a_results),
    plot=figs.plot_configurations,
)

_decomp_tex = (r"\min_{y\in S_i} f(x)^\top f(y) \;>\; \max_{j\neq i}\ \max_{z\in S_j} f(x)^\top f(z)")

register(Claim(
    id="q4a",
    title="Perfect accuracy from a plot of features",
    points=POINTS["q4a"],
    statement=("N = 3, each $p_i$ uniform on 4 elements, $f$ maps to $\\mathbb{S}^1$. For each of "
               "four feature plots, does $f$ achieve perfect classification accuracy over all "
               "choices of $x_i$ and $\\{y_j\\}_{j=1}^N$ (a tie is an error)?"),
    answer=(r"\begin{array}{c}\text{A: Yes,\ \ B: No,\ \ C: Yes,\ \ D: No}\\"
            r"\text{(our four configurations; the homework's plots are not in our copy)}\\[4pt]"
            r"\text{perfect} \iff \forall i,\ \forall x\in S_i:\ " + _decomp_tex + r"\end{array}"),
    short=list(Q4A_SHORT),
    proof=(
        "*Our copy of the problem set does not contain the four plots of Question 4a.* We give the "
        "exact criterion an instructor can apply to any plot (and the `companion accuracy FILE` "
        "command that applies it and draws the failing choice), and answer it on four illustrative "
        "configurations of the same kind: $N = 3$ groups of 4 points on $\\mathbb{S}^1$.\n\n"
        "**Setting.** A choice is $(i, x, y_1, \\dots, y_N)$ with $x, y_i \\in S_i$ and "
        "$y_j \\in S_j$; by Question 2 the logits are $f(x)^\\top f(y_j)$, $j = 1..N$, the target "
        "is $i$, and the prediction is correct iff $f(x)^\\top f(y_i) > f(x)^\\top f(y_j)$ for "
        "every $j \\neq i$ (strictly: a tie is an error).\n\n"
        "**Lemma (exact decomposition).** Fix $i$ and $x \\in S_i$. Every choice "
        "$(y_1,\\dots,y_N) \\in S_1\\times\\dots\\times S_N$ is correct iff\n\n"
        "$$" + _decomp_tex + ".$$\n\n"
        "*Proof.* ($\\Leftarrow$) For any choice and any $j\\ne i$: "
        "$f(x)^\\top f(y_i) \\ge \\min_{y\\in S_i} f(x)^\\top f(y) > \\max_{z\\in S_j} f(x)^\\top f(z) "
        "\\ge f(x)^\\top f(y_j)$. ($\\Rightarrow$) The sets are finite, so some $y^\\star \\in S_i$ "
        "attains the minimum and some $z^\\star \\in S_{j^\\star}$, $j^\\star \\ne i$, attains the "
        "maximum. The $y_j$ are chosen independently across $j$ (the choices form a product set), "
        "so the choice with $y_i = y^\\star$, $y_{j^\\star} = z^\\star$ and any other $y_j$ is "
        "allowed; it is correct by assumption, so $f(x)^\\top f(y^\\star) > f(x)^\\top f(z^\\star)$, "
        "which is the inequality. $\\square$\n\n"
        "Hence $f$ has perfect accuracy iff the inequality holds for every $i$ and every "
        "$x \\in S_i$. With $M = \\sum_i m_i$ points this is one Gram matrix, $O(M^2 d)$ work, "
        "instead of $\\sum_i m_i \\prod_j m_j$ enumerated choices (for 50 groups of 50 points: "
        "$2500$ anchors instead of about $10^{88}$ choices). When it fails, $(x, y^\\star, z^\\star)$ "
        "(with any other $y_j$) is a concrete failing choice; the checker reports the worst one.\n\n"
        "**Reading a plot.** On the sphere $f(x)^\\top f(y) = 1 - \\tfrac12\\|f(x)-f(y)\\|_2^2$ "
        "(Question 3), so the test reads: *for every point, even the farthest point of its own "
        "group is strictly closer to it than the nearest point of any other group.* Look at the two ends of "
        "each group's arc: the end point's farthest same-group point is the other end; if a point "
        "of another group is as close or closer, the answer is No.\n\n"
        "**Ties.** The inequality is strict. Configuration D is built from Pythagorean points: the "
        "anchor $x = (1, 0)$ of group 1 sees its own $(3/5, 4/5)$ and group 2's mirror image "
        "$(3/5, -4/5)$ with the same logit $3/5$, exactly; that single tie makes the answer No. "
        "Exact rational coordinates decide such ties without rounding; float input uses an "
        f"explicit tolerance (gaps $\\le {geo.TIE_TOL:g}$ count as ties).\n\n"
        "**The four configurations** (figure): A Yes (tight, well-spaced groups); B No (group 1's "
        "end point at $180^\\circ$ is farther from its own point at about $60^\\circ$ than from "
        "group 2); C Yes (unequal spreads, but every point is closer to its whole group than to "
        "any other group); D No (the exact tie above).\n\n"
        "**Evidence.** The four answers are computed exactly and agree with enumerating all "
        "$12 \\cdot 4^3 = 768$ choices per configuration; z3 proves the lemma for all real logits "
        "at several group sizes; hypothesis compares the decision with brute-force enumeration on "
        "at least 1000 small configurations, exact ties and float near-ties included."),
    checks=(_q4a_exact, _q4a_smt, _q4a_property),
    figures=(Q4A_FIG,),
))


# --------------------------------------------------------------------------------------------
# q4b: geometric meaning of diameter and margin
# --------------------------------------------------------------------------------------------

def q4b_configuration():
    return q4a_configurations()[2][1]


def q4b_results() -> dict:
    groups = q4b_configuration()
    D = geo.diameter(groups)
    M = geo.margin(groups)
    wit = geo.margin_witnesses(groups)
    return {"groups": [[[float(c) for c in p] for p in g] for g in groups],
            "diameter": D.tolist(), "diameter_pairs": [list(p) for p in geo.diameter_witnesses(groups)],
            "margin_pairs": [{"i": i, "j": j, "s": s, "t": t, "value": float(M[i, j])}
                             for (i, j), (s, t) in wit.items()]}


def _pair_sq(a, b):
    return sum((p - q) * (p - q) for p, q in zip(a, b))


@check("exact", "exact diameters and margins = nested enumeration of pairs; witnesses attain them")
def _q4b_exact(ctx):
    ok, rows = True, []
    for title, groups in q4a_configurations():
        D2 = geo.diameter(groups, squared=True)
        M2 = geo.margin(groups, squared=True)
        N = len(groups)
        for i in range(N):
            ref = max(_pair_sq(s, t) for s in groups[i] for t in groups[i])
            dots = [sum(p * q for p, q in zip(s, t)) for s in groups[i] for t in groups[i]]
            ok &= D2[i] == ref and D2[i] == 2 - 2 * min(dots)          # Q3 identity, exactly
            s, t = geo.diameter_witnesses(groups)[i]
            ok &= _pair_sq(groups[i][s], groups[i][t]) == D2[i]
            for j in range(N):
                if j != i:
                    refm = min(_pair_sq(s, t) for s in groups[i] for t in groups[j])
                    ok &= M2[i, j] == refm and M2[i, j] == M2[j, i]
        rows.append(f"{title[:1]}: diameter^2 = {[str(v) for v in D2]}, "
                    f"margin_1->2^2 = {M2[0, 1]}")
    return ok, "all exact equalities hold: " + "; ".join(rows)


@check("symbolic", "squared distance = 2 - 2 x^T y on the sphere (symbolic d)")
def _q4b_symbolic(ctx):
    return derivations_hold(squared_distance_as_logit_derivation())


@check("property", "hypothesis: diameter/margin bounds, symmetry, attainment, rotation invariance")
def _q4b_property(ctx):
    from hypothesis import strategies as st

    def prop(seed, N, m, d):
        rng = np.random.default_rng(seed)
        groups = [geo_uniform(rng, int(k), d) for k in rng.integers(1, m + 1, size=N)]
        D, M = geo.diameter(groups), geo.margin(groups)
        assert np.all(D >= 0) and np.all(D <= 2 + 1e-12)
        for i in range(N):
            within = np.linalg.norm(groups[i][:, None] - groups[i][None], axis=-1)
            assert abs(within.max() - D[i]) <= 1e-12
            for j in range(N):
                if j != i:
                    cross = np.linalg.norm(groups[i][:, None] - groups[j][None], axis=-1)
                    assert abs(cross.min() - M[i, j]) <= 1e-12 and M[i, j] == M[j, i]
        Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
        rot = [g @ Q for g in groups]
        assert np.allclose(geo.diameter(rot), D, atol=1e-12)
        assert np.allclose(np.nan_to_num(geo.margin(rot)), np.nan_to_num(M), atol=1e-12)

    n = 200 if ctx.fast else 1000
    return hypothesis_holds(prop, [st.integers(0, 2 ** 32 - 1), st.integers(2, 5), st.integers(1, 6),
                                   st.integers(2, 8)], max_examples=n,
                            name="Eqs. (3)-(4) properties", seed=ctx.seed)


def geo_uniform(rng, n, d):
    g = rng.standard_normal((n, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True)


register(Claim(
    id="q4b",
    title="Diameter and margin, geometrically",
    points=POINTS["q4b"],
    statement=("Describe in 1-2 lines what $\\mathrm{diameter}_i(f)$ (Eq. 3) and "
               "$\\mathrm{margin}_{i\\to j}(f)$ (Eq. 4) represent geometrically."),
    answer=(r"\begin{array}{c}\mathrm{diameter}_i:\ \text{the largest distance between two "
            r"features of group } i \text{ (its spread)}\\"
            r"\mathrm{margin}_{i\to j}:\ \text{the smallest distance from a feature of } i "
            r"\text{ to one of } j \text{ (the gap between them)}\end{array}"),
    proof=(
        "$\\mathrm{diameter}_i$ is the diameter, in the usual metric sense, of the finite point "
        "cloud $f(S_i)$: the length of the longest segment between two of its points, i.e. the "
        "spread of the cluster of group $i$ (0 when $f$ is constant on $S_i$). Since positive "
        "pairs are drawn from $S_i$, it is the largest possible positive-pair distance.\n\n"
        "$\\mathrm{margin}_{i\\to j}$ is the distance between the two point clouds $f(S_i)$ and "
        "$f(S_j)$: the length of the shortest segment from a point of one to a point of the other, "
        "i.e. the gap separating the clusters (symmetric in $i, j$; 0 when they share a point). "
        "It is the smallest possible negative-pair distance.\n\n"
        "On the sphere both are read off the logits (Question 3):\n\n"
        "$$" + squared_distance_as_logit_derivation().latex() + "$$\n\n"
        "so $\\mathrm{diameter}_i^2 = 2 - 2\\min_{s,t\\in S_i} f(s)^\\top f(t)$ (the smallest "
        "positive logit) and $\\mathrm{margin}_{i\\to j}^2 = 2 - 2\\max_{s\\in S_i, t\\in S_j} "
        "f(s)^\\top f(t)$ (the largest negative logit). The figure draws, for configuration C of "
        "Question 4a, each group's diameter segment (solid) and the margin segment of each pair "
        "(dashed)."),
    checks=(_q4b_exact, _q4b_symbolic, _q4b_property),
    figures=(FigureSpec(
        "q4b_diameter_margin",
        "Configuration C of Q4a: solid segments are the diameters (farthest pair within a group), "
        "dashed segments the margins (closest pair across two groups), with their lengths.",
        data=lambda ctx: ctx.cached("q4b_diameter_margin", q4b_results),
        plot=figs.plot_diameter_margin),),
))


# --------------------------------------------------------------------------------------------
# q4c: the sufficient condition
# --------------------------------------------------------------------------------------------

@check("symbolic", "logit gap = half the squared-distance gap (Q3 substituted, symbolic d)")
def _q4c_symbolic(ctx):
    return derivations_hold(logit_gap_derivation())


@check("smt", "z3: diameter_i < margin_{i->j} implies x^T y_i > x^T y_j")
def _q4c_smt(ctx):
    import z3

    # Scalar step, after Q3: ||x - y||^2 = 2 - 2 x^T y.
    p, n, D, M = z3.Reals("p n D M")
    hyp = z3.And(D >= 0, D < M, 2 - 2 * p <= D * D, 2 - 2 * n >= M * M)
    ok1, m1 = z3_proves(z3.Implies(hyp, p > n), "scalar step")
    if not ok1:
        return False, m1
    # The substitution itself (Q3 on the sphere), for unit vectors in d = 2, 3: with it, the
    # scalar step above is exactly the implication for vectors (p = x^T y_i, n = x^T y_j).
    msgs = [m1]
    for d in (2, 3):
        x, y = z3.RealVector("x", d), z3.RealVector("y", d)
        dot = z3.Sum([a * b for a, b in zip(x, y)])
        sq = z3.Sum([(a - b) * (a - b) for a, b in zip(x, y)])
        unit = z3.And(z3.Sum([a * a for a in x]) == 1, z3.Sum([b * b for b in y]) == 1)
        ok, m = z3_proves(z3.Implies(unit, sq == 2 - 2 * dot), f"Q3 substitution d={d}")
        if not ok:
            return False, m
        msgs.append(m)
    return True, "; ".join(msgs)


def _clustered_config(rng, N, m, d, spread):
    centers = geo_uniform(rng, N, d)
    groups = []
    for c in centers:
        k = int(rng.integers(1, m + 1))
        g = c + spread * rng.standard_normal((k, d))
        groups.append(g / np.linalg.norm(g, axis=1, keepdims=True))
    return groups


@check("property", "hypothesis: option ii implies perfect accuracy on random configurations")
def _q4c_property(ctx):
    from hypothesis import strategies as st

    stats = {"n": 0, "ii": 0}

    def prop(seed, N, m, d, spread):
        rng = np.random.default_rng(seed)
        groups = _clustered_config(rng, N, m, d, spread)
        stats["n"] += 1
        if geo.diameter_below_every_margin(groups):
            stats["ii"] += 1
            dec = geo.decide(groups, tol=0.0)
            assert dec.perfect, (seed, N, m, d, spread, dec.failure)

    n = 400 if ctx.fast else 2000
    ok, detail = hypothesis_holds(prop, [st.integers(0, 2 ** 32 - 1), st.integers(2, 6),
                                         st.integers(1, 6), st.integers(2, 6),
                                         st.sampled_from([0.02, 0.05, 0.1, 0.2, 0.4])],
                                  max_examples=n, name="ii => perfect", seed=ctx.seed)
    enough = stats["ii"] >= 50
    return ok and enough, f"{detail}; option ii held (non-vacuous) in {stats['ii']} of {stats['n']}"


def _describe_failure(groups):
    i, x, ys = geo.find_failure(groups)
    z = geo.logits(groups, i, x, ys)
    return f"failing choice i={i + 1}, x={x + 1}, ys={[y + 1 for y in ys]}, logits {[str(v) for v in z]}"


@check("counterexample", "exact: options i and iii hold while accuracy fails")
def _q4c_counter(ctx):
    c1, c3 = OPTION_I_COUNTEREXAMPLE, OPTION_III_COUNTEREXAMPLE
    i_holds = geo.diameter_below_some_margin(c1)
    iii_holds = geo.some_diameter_below_all_margins(c3)
    f1, f3 = geo.perfect_accuracy(c1), geo.perfect_accuracy(c3)
    bf1, bf3 = geo.perfect_accuracy_bruteforce(c1), geo.perfect_accuracy_bruteforce(c3)
    ok = i_holds and iii_holds and not f1 and not f3 and not bf1 and not bf3
    D1, M1 = geo.diameter(c1, squared=True), geo.margin(c1, squared=True)
    D3, M3 = geo.diameter(c3, squared=True), geo.margin(c3, squared=True)
    return ok, (f"option i: holds={i_holds} (diameter^2 {[str(v) for v in D1]}, margin^2 to group 3: "
                f"{M1[0, 2]}, {M1[1, 2]}), perfect={f1}, {_describe_failure(c1)}; "
                f"option iii: holds={iii_holds} (diameter_1^2 = {D3[0]} < min margin^2 = {M3[0, 1]}), "
                f"perfect={f3}, {_describe_failure(c3)}")


@check("exact", "exact: option ii is sufficient but not necessary (an S^2 example)")
def _q4c_exact(ctx):
    g = NOT_NECESSARY_EXAMPLE
    ii = geo.diameter_below_every_margin(g)
    perfect, bf = geo.perfect_accuracy(g), geo.perfect_accuracy_bruteforce(g)
    D, M = geo.diameter(g, squared=True), geo.margin(g, squared=True)
    # also: ii holds and accuracy is perfect on the Q4a configurations where ii holds
    agree = []
    for title, groups in q4a_configurations():
        if geo.diameter_below_every_margin(groups):
            agree.append(geo.perfect_accuracy(groups))
    ok = (not ii) and perfect and bf and D[0] > M[0, 1] and agree and all(agree)
    return ok, (f"diameter_1^2 = {D[0]} >= margin_1->2^2 = {M[0, 1]} so option ii fails, yet "
                f"perfect accuracy = {perfect} (brute force {bf}); worst gap "
                f"{geo.decide(g).gap[geo.decide(g).worst]}; among Q4a configurations option ii "
                f"holds for {len(agree)}, all perfect")


register(Claim(
    id="q4c",
    title="Which condition ensures perfect accuracy",
    points=POINTS["q4c"],
    statement=("Which condition on $f$ ensures perfect accuracy: (i) every $i$ has some $j\\ne i$ "
               "with $\\mathrm{diameter}_i < \\mathrm{margin}_{i\\to j}$; (ii) "
               "$\\mathrm{diameter}_i < \\mathrm{margin}_{i\\to j}$ for all $i \\ne j$; (iii) some "
               "$i^*$ has $\\mathrm{diameter}_{i^*} < \\min_{i\\ne j}\\mathrm{margin}_{i\\to j}$?"),
    answer=r"\text{ii: } \forall i\neq j,\ \mathrm{diameter}_i(f) < \mathrm{margin}_{i\to j}(f)",
    short="ii",
    proof=(
        "**(ii) is sufficient.** Take any choice $(i, x, y_1, \\dots, y_N)$ and any $j \\ne i$. "
        "Since $x, y_i \\in S_i$ and $y_j \\in S_j$,\n\n"
        "$$\\|f(x) - f(y_i)\\|_2 \\le \\mathrm{diameter}_i(f) < \\mathrm{margin}_{i\\to j}(f) "
        "\\le \\|f(x) - f(y_j)\\|_2 .$$\n\n"
        "For unit vectors the logit gap is half the squared-distance gap (Question 3 applied "
        "twice, checked by sympy in symbolic dimension):\n\n"
        "$$" + logit_gap_derivation().latex() + "$$\n\n"
        "with $y = f(y_i)$, $z = f(y_j)$. The right-hand side is positive by the chain above, so "
        "$f(x)^\\top f(y_i) > f(x)^\\top f(y_j)$ for every $j \\ne i$: the target is the unique "
        "largest logit, for every choice. (z3 proves the implication step once the Q3 identity is "
        "substituted, and the substitution itself for unit vectors in $d = 2, 3$.)\n\n"
        "**(i) is not sufficient.** It lets group $i$ be far from *one* group and collide with "
        "another. Exact counterexample on $\\mathbb{S}^1$: $S_1 = \\{(1,0), (0,1)\\}$, "
        "$S_2 = \\{(3/5,4/5), (4/5,3/5)\\}$, $S_3 = \\{(-3/5,-4/5), (-4/5,-3/5)\\}$. Groups 1 and 2 "
        "are far from group 3 (margins$^2 \\ge 16/5 > 2 \\ge$ diameters$^2$), so (i) holds; yet "
        "the choice $x = (1,0)$, $y_1 = (0,1)$ has target logit $0$ while "
        "$y_2 = (4/5, 3/5)$ gives $4/5$.\n\n"
        "**(iii) is not sufficient.** One tight group says nothing about the others: "
        "$S_1 = \\{(1,0)\\}$ (diameter 0), $S_2 = \\{(0,1),(0,-1)\\}$; every margin is "
        "$\\sqrt2 > 0$, so (iii) holds, but $x = (0,1)$, $y_2 = (0,-1)$, $y_1 = (1,0)$ gives target "
        "logit $-1 < 0$.\n\n"
        "**(ii) is not necessary.** The exact decision of Question 4a only needs each point to "
        "be closer to its *own* farthest group-mate than to other groups; (ii) asks this with the "
        "worst point of the group on one side and the best on the other. On $\\mathbb{S}^2$: "
        "$S_1 = \\{(8/17, 0, 15/17), (0,0,1), (-8/17, 0, 15/17)\\}$, $S_2 = \\{(0, 4/5, 3/5)\\}$ have "
        "$\\mathrm{diameter}_1^2 = 256/289 > 4/5 = \\mathrm{margin}_{1\\to2}^2$, but the smallest "
        "positive logits ($161/289$, $15/17$, $161/289$) all exceed the largest negative ones "
        "($9/17$, $3/5$, $9/17$), so the accuracy is perfect."),
    checks=(_q4c_symbolic, _q4c_smt, _q4c_property, _q4c_counter, _q4c_exact),
))


# --------------------------------------------------------------------------------------------
# q4d: distances as d grows
# --------------------------------------------------------------------------------------------

def q4d_results(ctx) -> dict:
    from numerics.high_dim import best_margin_vs_d, random_distance_stats

    fast = ctx.fast
    dims = [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] + ([] if fast else [2048, 4096])
    rnd = random_distance_stats(dims, n=200 if fast else 500, seed=ctx.seed)
    N = 8
    opt_dims = list(range(2, 11))
    opt = best_margin_vs_d(N, opt_dims, restarts=4 if fast else 16, seed=ctx.seed)
    rng = np.random.default_rng(ctx.seed + 1)
    from numerics.high_dim import pairwise_distances, uniform_sphere

    opt["random_margin"] = [float(np.mean([pairwise_distances(uniform_sphere(N, d, rng)).min()
                                           for _ in range(50)])) for d in opt_dims]
    return {"random": rnd, "optimal": opt}


def _q4d_data(ctx):
    return ctx.cached("q4d_distances", lambda: q4d_results(ctx))


@check("experiment", "random unit vectors: distances concentrate at sqrt(2), spread ~ 1/sqrt(2d)")
def _q4d_experiment(ctx):
    per = _q4d_data(ctx)["random"]["per_d"]
    r2 = math.sqrt(2)
    last = per[-1]
    stds = [p["std"] for p in per]
    decreasing = all(b < a for a, b in zip(stds, stds[1:]))
    scaled = [p["std_sqrt_2d"] for p in per if p["d"] >= 16]
    ratio = [p["random_margin_over_diameter"] for p in per]
    ok = (abs(last["mean"] - r2) < 0.01 and decreasing and all(0.9 < s < 1.1 for s in scaled)
          and ratio[-1] > 0.8 and ratio[-1] > ratio[0] + 0.5)
    return ok, (f"mean distance {per[0]['mean']:.3f} (d={per[0]['d']}) -> {last['mean']:.4f} "
                f"(d={last['d']}, sqrt2 = {r2:.4f}); std {stds[0]:.3f} -> {stds[-1]:.4f}, "
                f"strictly decreasing: {decreasing}; std*sqrt(2d) for d>=16: "
                f"{[round(s, 3) for s in scaled]}; random grouping margin/diameter "
                f"{ratio[0]:.2f} -> {ratio[-1]:.2f}")


@check("optimization", "best margin of N = 8 points vs d: optimizer meets the proven values")
def _q4d_optimization(ctx):
    opt = _q4d_data(ctx)["optimal"]
    rows = opt["rows"]
    ok = True
    parts = []
    for r in rows:
        ok &= r["margin"] <= r["bound"] + 1e-7
        if r["bound_attained"]:
            ok &= r["margin"] >= r["bound"] - 1e-4
        parts.append(f"d={r['d']}: {r['margin']:.5f} (bound {r['bound']:.5f}"
                     f"{', attained' if r['bound_attained'] else ''})")
    ms = [r["margin"] for r in rows]
    ok &= all(b >= a - 1e-6 for a, b in zip(ms, ms[1:]))
    ok &= all(rm < m for rm, m in zip(opt["random_margin"], ms))
    return ok, ("; ".join(parts) + f"; nondecreasing in d; random placement mean min distance "
                f"{[round(v, 3) for v in opt['random_margin']]}")


register(Claim(
    id="q4d",
    title="Margins as the dimension grows (optional)",
    points=POINTS["q4d"],
    statement=("Explain why, as the feature dimension $d$ grows, the margin between classes can "
               "become smaller; how does this affect the choice of encoder $f$?"),
    answer=(r"\begin{array}{c}\text{distances concentrate: random features lie at } "
            r"\approx\sqrt2 \pm 1/\sqrt{2d} \text{ from each other,}\\"
            r"\text{so margin} \approx \text{diameter; } f \text{ must be trained to make groups "
            r"tight and far apart}\end{array}"),
    proof=(
        "**Random features concentrate.** For $u, v$ uniform on $\\mathbb{S}^{d-1}$, $u^\\top v$ "
        "has mean 0 and variance $1/d$, so $\\|u-v\\|_2 = \\sqrt{2 - 2u^\\top v}$ (Question 3) "
        "concentrates at $\\sqrt2$ with standard deviation $\\approx 1/\\sqrt{2d}$. The left panel "
        "measures this for 200 random unit vectors from $d = 2$ to $1024$: the whole range of "
        "pairwise distances (min to max) shrinks around $\\sqrt2$. In Eq. (3)-(4) terms: for a "
        "feature map that is not organised by the groups (a random or poorly trained encoder), "
        "the smallest between-group distance (margin) and the largest within-group distance "
        "(diameter) both approach $\\sqrt2$; their ratio goes to 1. The margin *relative to the "
        "diameter* becomes small, so the condition of Question 4c holds only by a vanishing "
        "gap, and the whole spread of the logits of Question 2 shrinks like $1/\\sqrt d$, "
        "easily swamped by noise. Nearest-neighbour contrast disappears: everything is about equally far.\n\n"
        "**What is achievable does not shrink.** The best possible margin of $N$ points on "
        "$\\mathbb{S}^{d-1}$ (Tammes' problem) is nondecreasing in $d$: $2\\sin(\\pi/N)$ on the "
        "circle, $\\sqrt2$ once $N \\le 2d$ (cross-polytope; Rankin's bound shows no more for "
        "$N \\ge d+2$), and the simplex value $\\sqrt{2N/(N-1)}$ once $d \\ge N-1$. The right "
        "panel maximizes it numerically for $N = 8$ (SLSQP, random restarts) and meets these "
        "proven values; random placements stay well below.\n\n"
        "**Consequence for $f$.** A high-dimensional space has room for well-separated groups, but "
        "a generic $f$ does not use it: $f$ must be trained (or designed) to make groups tight "
        "(small diameters, alignment) and mutually far (uniformly spread, large margins), and "
        "with distances compressed around $\\sqrt2$ the logits need rescaling (a temperature) "
        "to turn small distance differences into confident predictions."),
    checks=(_q4d_experiment, _q4d_optimization),
    figures=(FigureSpec(
        "q4d_distance_concentration",
        "Left: pairwise distances of 200 random unit vectors vs dimension d (median, 1-99% band, "
        "min-max) concentrate at sqrt(2). Right: best achievable margin of N = 8 points vs d "
        "(optimized), the proven value, and the mean minimum distance of 8 random points.",
        data=_q4d_data, plot=figs.plot_distance_concentration),),
))


# --------------------------------------------------------------------------------------------
# q4f.1: overlapping supports
# --------------------------------------------------------------------------------------------

@check("smt", "z3: a shared point forces margin_{i->j} = 0 <= diameter_i, for every encoder")
def _q4f1_smt(ctx):
    import z3

    msgs = []
    for d in (2, 3):
        s = z3.RealVector("s", d)          # f(s) for the shared element s in S_i and S_j
        t = z3.RealVector("t", d)          # any other element of S_i
        D, M = z3.Reals("D M")

        def sq(u, v):
            return z3.Sum([(a - b) * (a - b) for a, b in zip(u, v)])

        # diameter_i >= every within-group distance (s with itself and with t); margin_{i->j}
        # <= every cross distance (s in S_i paired with s in S_j); both are distances (>= 0).
        facts = z3.And(D >= 0, M >= 0, D * D >= sq(s, s), D * D >= sq(s, t), M * M <= sq(s, s),
                       z3.Sum([a * a for a in s]) == 1)
        ok, m = z3_proves(z3.Implies(facts, z3.Not(D < M)), f"d={d}")
        if not ok:
            return False, m
        msgs.append(m)
    return True, "; ".join(msgs)


@check("exact", "exact: a configuration with a shared support point")
def _q4f1_exact(ctx):
    g = SHARED_POINT_EXAMPLE
    M2 = geo.margin(g, squared=True)
    D2 = geo.diameter(g, squared=True)
    ii = geo.diameter_below_every_margin(g)
    dec = geo.decide(g)
    bf = geo.find_failure_bruteforce(g)
    z = geo.logits(g, *dec.failure) if dec.failure else None
    ok = M2[0, 1] == 0 and not ii and not dec.perfect and bf is not None and dec.gap[dec.worst] <= 0
    return ok, (f"shared point (3/5, 4/5): margin_1->2^2 = {M2[0, 1]} exactly, diameter_1^2 = {D2[0]}, "
                f"option ii holds: {ii}; perfect accuracy: {dec.perfect} (brute force failing "
                f"choice {bf}); worst gap {dec.gap[dec.worst]}, failing choice {dec.failure} with "
                f"logits {[str(v) for v in z] if z else None}")


@check("property", "hypothesis: any configuration with a shared point fails the condition and accuracy")
def _q4f1_property(ctx):
    from hypothesis import strategies as st

    def prop(mode, picks, gi, gj):
        groups = build_case(mode, picks)
        N = len(groups)
        i, j = gi % N, (gi % N + 1 + gj % (N - 1)) % N
        shared = groups[i][0]
        if isinstance(groups[j], np.ndarray):
            groups[j] = np.vstack([groups[j], np.asarray(shared)[None]])
        else:
            groups[j] = list(groups[j]) + [shared]
        assert not geo.diameter_below_every_margin(groups)
        assert not geo.perfect_accuracy(groups)
        M2 = geo.margin(groups, squared=True)
        assert float(M2[i, j]) <= 1e-12

    n = 300 if ctx.fast else 1500
    return hypothesis_holds(prop, _strategies() + [st.integers(0, 100), st.integers(0, 100)],
                            max_examples=n, name="shared point => not ii and not perfect",
                            seed=ctx.seed)


register(Claim(
    id="q4f.1",
    title="Overlapping supports",
    points=POINTS["q4f.1"],
    statement=("Without disjoint supports: can the condition of Question 4c be satisfied when "
               "supports may overlap?"),
    answer=r"\text{No}",
    short="No",
    proof=(
        "Suppose $s \\in S_i \\cap S_j$ with $i \\ne j$. Whatever the encoder, the pair "
        "$(s_i, s_j) = (s, s)$ is admissible in Eq. (4), so\n\n"
        "$$\\mathrm{margin}_{i\\to j}(f) \\le \\|f(s) - f(s)\\|_2 = 0 \\le \\mathrm{diameter}_i(f),$$\n\n"
        "and $\\mathrm{diameter}_i(f) < \\mathrm{margin}_{i\\to j}(f)$ fails. So the condition of "
        "4c (option ii) cannot hold. (If the overlap is only between supports of the question's "
        "distributions, i.e. some pair $i \\ne j$ overlaps, this single pair already breaks the "
        "\"for all $i \\ne j$\".) Perfect accuracy itself fails too: the choice $x_i = y_i = s$, "
        "$y_j = s$ gives the target and the $j$-th logit the same value $\\|f(s)\\|^2 = 1$, a tie. "
        "The exact check uses the shared point $(3/5, 4/5)$; hypothesis injects a shared point "
        "into random configurations."),
    checks=(_q4f1_smt, _q4f1_exact, _q4f1_property),
))
