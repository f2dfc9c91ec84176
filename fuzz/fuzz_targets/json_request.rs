//! The JSON request body: `parse_json`, then `validate_json` for every
//! operation (General, Template, each Document type). Base64 `data` is
//! decoded on the way, so that path is exercised with realistic framing.
#![no_main]

use jikji_clova::{parse_json, DocType, ImageSource, Operation};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: jikji_fuzz::install_panic_policy("json_request"),
    |data: &[u8]| {
        jikji_fuzz::set_current_input(data);
        let Ok(req) = parse_json(data) else { return };
        let ops = [Operation::General, Operation::Template]
            .into_iter()
            .chain(DocType::ALL.into_iter().map(Operation::Document));
        for op in ops {
            if let Ok(valid) = req.clone().validate_json(op) {
                match &valid.source {
                    ImageSource::Bytes(_) => {}
                    ImageSource::Url(u) => {
                        assert!(!u.trim().is_empty(), "empty url accepted");
                        assert!(!matches!(op, Operation::Document(_)), "url accepted for Document OCR");
                    }
                }
            }
        }
    }
);
