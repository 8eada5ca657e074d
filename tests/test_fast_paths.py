"""The fast paths of the einsum primitive compute the same contraction as np.einsum."""
import numpy as np
from hypothesis import given, settings, strategies as st

from linad.primitives.linear import _einsum_impl

SPECS = [("ik,jk->ij", "ik", "jk"), ("jk,ik->ij", "jk", "ik"), ("ij,jk->ik", "ij", "jk"),
         ("ij,ij->", "ij", "ij"), ("bij,bjk->bik", "bij", "bjk"), ("ij,k->ijk", "ij", "k"),
         ("ij,jk->i", "ij", "jk"), ("ij,kl->", "ij", "kl")]


@settings(max_examples=40)
@given(st.sampled_from(SPECS), st.integers(0, 3), st.data())
def test_broadcast_views_and_plans_match_numpy(spec_parts, mode, data):
    spec, sa_sub, sb_sub = spec_parts
    size = {c: data.draw(st.integers(1, 4)) for c in set(sa_sub + sb_sub)}
    sa = tuple(size[c] for c in sa_sub)
    sb = tuple(size[c] for c in sb_sub)
    rng = np.random.default_rng(data.draw(st.integers(0, 100)))
    a = rng.standard_normal(sa)
    b = rng.standard_normal(sb)
    if mode & 1:  # constant along its last axis (a zero-stride view)
        a = np.broadcast_to(rng.standard_normal(sa[:-1] + (1,)), sa)
    if mode & 2:  # a broadcast scalar
        b = np.broadcast_to(rng.standard_normal(()), sb)
    np.testing.assert_allclose(_einsum_impl(spec, a, b), np.einsum(spec, a, b), rtol=1e-12,
                               atol=1e-12)
