//! Fuzz target `retry_after`: see `vendor_sdks_fuzz::retry_after`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vendor_sdks_fuzz::retry_after(data));
