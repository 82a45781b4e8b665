"""Login rate limiting."""

from __future__ import annotations

from qorgau.kernel.auth.domain import LoginRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_limiter_blocks_after_the_allowed_failures_and_releases_after_the_window() -> None:
    clock = Clock()
    limiter = LoginRateLimiter(3, 60, clock)
    for _ in range(3):
        assert limiter.retry_after("user:a") == 0
        limiter.failed("user:a")
    assert limiter.retry_after("user:a") == 60
    assert limiter.retry_after("user:b") == 0
    clock.now = 61
    assert limiter.retry_after("user:a") == 0


def test_success_clears_the_failures() -> None:
    limiter = LoginRateLimiter(2, 60, Clock())
    limiter.failed("user:a")
    limiter.succeeded("user:a")
    limiter.failed("user:a")
    assert limiter.retry_after("user:a") == 0
