"""spectral-ssl: SSL losses (VICReg, SimCLR, BarlowTwins) as spectral embedding methods.

Reproduction of Balestriero & LeCun (NeurIPS 2022) and the duality of Garrido et al. (2022).
"""

__version__ = "0.1.0"
