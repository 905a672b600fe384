"""The public API is exactly ``__all__``: complete, sorted, and every name importable."""

import eligibility


def test_all_is_sorted_and_complete() -> None:
    assert eligibility.__all__ == sorted(eligibility.__all__)
    public = {name for name in dir(eligibility) if not name.startswith("_")}
    assert public <= set(eligibility.__all__), public - set(eligibility.__all__)
    for name in eligibility.__all__:
        assert hasattr(eligibility, name), name
