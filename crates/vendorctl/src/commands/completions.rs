//! `vendorctl completions <shell>` and the man page (`vendorctl __man`, which
//! `cargo xtask man` writes to `target/man/vendorctl.1`).

use std::io::Write as _;

use clap::CommandFactory as _;

use crate::catalog;
use crate::errors::Failure;
use crate::Cli;

/// Prints the completion script of `shell` for vendorctl.
pub fn run(shell: clap_complete::Shell) -> Result<(), Failure> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "vendorctl", &mut buf);
    write_out(&buf)
}

/// Prints the man page (roff): the commands and flags from clap, then the
/// ENVIRONMENT section from the catalog.
pub fn man() -> Result<(), Failure> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut buf)
        .map_err(|e| Failure::other(format!("cannot render the man page: {e}")))?;
    buf.extend_from_slice(environment_section().as_bytes());
    write_out(&buf)
}

fn write_out(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::other(format!("cannot write to stdout: {e}")))
}

/// `vendorctl help environment` as a roff section of preformatted lines.
fn environment_section() -> String {
    let mut out = String::from(".SH ENVIRONMENT\n.nf\n");
    for line in catalog::environment_help().lines() {
        let line = line.replace('\\', "\\e");
        if line.starts_with('.') || line.starts_with('\'') {
            out.push_str("\\&");
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(".fi\n");
    out
}
