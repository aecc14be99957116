"""Random streams: one per process, spawned from the run's seed, so that two scenarios on one
seed meet the same customers with the same issues at the same times (common random numbers).

Two kinds of stream:
- *Keyed streams* serve everything that belongs to one member or one hour: traits, issue
  times and topics, what search finds, which channel is chosen, patience, contact outcomes,
  churn, who is online in an hour, what each visitor looks at, whether it answers, how long
  the writing takes and how good the answer is. A keyed draw is a hash of (stream key,
  member identity or hour, event number), so a member's draws do not shift when another
  process, or another member, draws more or fewer numbers: two scenarios differ only where
  their states differ.
- *Generator streams* (a numpy Generator each, handed to the compiled rules inside the
  world) serve the crowd processes whose draws follow each other: kudos cascades, onlookers
  and pile-ups, the teams' timing, the herding experiment.

Keyed uniforms become other distributions by inversion with scipy's special functions
(`scipy.special.cython_special`, called from compiled code), which also keeps two runs whose
parameters differ slightly monotonically coupled.
"""

from __future__ import annotations

from collections import namedtuple

import llvmlite.binding as llvm
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import get_cython_function_address, intrinsic

from sim.state.jit import inline

KEYED_STREAMS = ("traits", "arrivals", "topics", "search", "channels", "asking", "contact",
                 "reciprocity", "membership", "complaining", "online", "browsing", "answering", "quality")
GENERATOR_STREAMS = ("kudos", "social", "policy", "herding")
STREAMS = KEYED_STREAMS + GENERATOR_STREAMS  # spawn keys are positions here: append, never reorder

Generators = namedtuple("Generators", GENERATOR_STREAMS)
(TRAITS, ARRIVALS, TOPICS, SEARCH, CHANNELS_KEY, ASKING, CONTACT_KEY, RECIPROCITY, MEMBERSHIP,
 COMPLAINING, ONLINE, BROWSING, ANSWERING, QUALITY) = range(len(KEYED_STREAMS))
SUBKEYS = 8  # draws of one event on one keyed stream are told apart by a sub-key 0..7


def spawn_streams(seed: int) -> tuple[Generators, np.ndarray]:
    """Every stream of a run: Generators, and the keys of the keyed streams (one row per
    stream, one column per sub-key). Stream i is SeedSequence(seed, spawn_key=(i,))."""
    children = [np.random.SeedSequence(int(seed), spawn_key=(i,)) for i in range(len(STREAMS))]
    keys = np.stack([child.generate_state(SUBKEYS, np.uint64) for child in children[:len(KEYED_STREAMS)]])
    generators = Generators(*(np.random.Generator(np.random.PCG64(child))
                              for child in children[len(KEYED_STREAMS):]))
    return generators, keys


@inline
def mix64(z):
    """SplitMix64's finaliser: a bijection of 64-bit words that scrambles every bit."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@inline
def keyed_uniform(key, a, b) -> float:
    """A uniform in (0, 1), a fixed function of (key, a, b): a member identity and an event
    number, say. Open at both ends, so logs and quantiles stay finite."""
    z = mix64(mix64(key + np.uint64(np.int64(a))) + np.uint64(np.int64(b)))
    return (float(z >> np.uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


# scipy.special's compiled functions, bound by symbol so cached kernels stay valid
def _bind(cython_name: str, arity: int):
    symbol = f"community_sim_{cython_name}"
    llvm.add_symbol(symbol, get_cython_function_address("scipy.special.cython_special", cython_name))

    def codegen(context, builder, signature, args):
        function_type = ir.FunctionType(ir.DoubleType(), [ir.DoubleType()] * arity)
        return builder.call(cgutils.get_or_insert_function(builder.module, function_type, symbol), args)

    return types.float64(*([types.float64] * arity)), codegen


_NDTRI = _bind("ndtri", 1)
_BETAINCINV = _bind("__pyx_fuse_0betaincinv", 3)
_GAMMAINCINV = _bind("gammaincinv", 2)
_PDTRIK = _bind("__pyx_fuse_0pdtrik", 2)
_BDTRIK = _bind("bdtrik", 3)


@intrinsic
def ndtri(typingctx, u):
    return _NDTRI


@intrinsic
def betaincinv(typingctx, a, b, u):
    return _BETAINCINV


@intrinsic
def gammaincinv(typingctx, a, u):
    return _GAMMAINCINV


@intrinsic
def pdtrik(typingctx, u, mean):
    return _PDTRIK


@intrinsic
def bdtrik(typingctx, u, n, p):
    return _BDTRIK


@inline
def normal_quantile(u: float, mean: float, sd: float) -> float:
    return mean + sd * ndtri(u)


@inline
def beta_quantile(u: float, a: float, b: float) -> float:
    return betaincinv(a, b, u)


@inline
def gamma_quantile(u: float, shape: float, scale: float) -> float:
    return gammaincinv(shape, u) * scale


@inline
def exponential_quantile(u: float, mean: float) -> float:
    return -mean * np.log(u)


@inline
def gumbel_quantile(u: float) -> float:
    return -np.log(-np.log(u))


@inline
def poisson_quantile(u: float, mean: float) -> int:
    """The smallest k with P(X <= k) >= u: scipy's continuous inverse, rounded up."""
    if mean <= 0.0:
        return 0
    return max(0, int(np.ceil(pdtrik(u, mean))))


DIRECT_INVERSION_MEAN = 200.0  # below it, summing the pmf from 0 is cheaper than scipy's iteration


@inline
def binomial_quantile(u: float, n: int, p: float) -> int:
    """The smallest k with P(X <= k) >= u for X ~ Binomial(n, p): by summing the pmf from 0
    for small means (the hourly online counts), by scipy's bdtrik otherwise."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if n * p < DIRECT_INVERSION_MEAN and p < 0.5:
        mass = np.exp(n * np.log1p(-p))
        cdf, k, odds = mass, 0, p / (1.0 - p)
        while cdf < u and k < n and mass > 0.0:
            mass *= (n - k) / (k + 1.0) * odds
            k += 1
            cdf += mass
        return k
    return min(n, max(0, int(np.ceil(bdtrik(u, float(n), p)))))


@inline
def pick(cumulative, u: float) -> int:
    """The index an inverse-CDF draw lands on in a cumulative weight table."""
    index = np.searchsorted(cumulative, u * cumulative[-1], side="right")
    return min(index, cumulative.size - 1)
