//! Fuzz target `token_answer`: see `vendor_sdks_fuzz::token_answer`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vendor_sdks_fuzz::token_answer(data));
