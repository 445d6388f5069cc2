//! Encoders of NR RRC messages for test scenarios.
