import os

from hypothesis import settings, HealthCheck

# CI runs on 2 cores: few, meaningful examples per property; no per-example deadline
settings.register_profile("ci", max_examples=10, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("thorough", max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

if os.environ.get("NANOGAN_FAKE_CUPY", "0") not in ("", "0"):  # the CUDA backend on the CPU: see fake_cupy.py
    from fake_cupy import install
    install()
