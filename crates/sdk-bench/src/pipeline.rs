//! Pipeline overhead: a typed call through the pipeline against raw reqwest.

use crate::Scale;

/// Runs the pipeline benchmark and returns its Markdown section.
pub async fn run(_scale: Scale) -> String {
    "\n## 4. Pipeline overhead\n\nnot measured yet\n".to_owned()
}
