"""Running a trained chain: marginals, clamps, samplers, decoding, temperature / CRF fits, streaming prediction."""
