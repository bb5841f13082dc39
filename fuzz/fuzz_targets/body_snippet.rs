//! Fuzz target `body_snippet`: see `vendor_sdks_fuzz::body_snippet`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vendor_sdks_fuzz::body_snippet(data));
