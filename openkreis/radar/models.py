"""OZG-Radar, maturity self-assessment and the Musterkommune's rollout (issue 24, docs/radar.md)."""
