//! Fuzz target `api_answer`: see `vendor_sdks_fuzz::api_answer`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vendor_sdks_fuzz::api_answer(data));
