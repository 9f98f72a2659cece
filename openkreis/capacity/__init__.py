"""Kapazitätsfinder and Eltern-Portal (issue 18): Kita places allocated by child-proposing deferred
acceptance, doctor slots and holiday rooms. See docs/capacity.md."""
