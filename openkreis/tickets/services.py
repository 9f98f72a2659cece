"""HATIX services: the entry points other code and tests use (owner: T2 hosts helper;
T1 adds issuing/verification entry points via codec/keys)."""
