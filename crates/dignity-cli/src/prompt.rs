//! Secrets typed at the terminal (passphrases), never echoed.

use anyhow::{bail, Context, Result};
use std::io::{BufRead, IsTerminal, Write};

/// Whether a person can be asked: standard input and standard error are terminals.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Ask for a secret on the terminal without echoing it.
pub fn hidden(question: &str) -> Result<String> {
    if !interactive() {
        bail!("no terminal to ask for a passphrase on");
    }
    eprint!("{question}");
    std::io::stderr().flush().ok();
    let line = {
        let _echo = EchoOff::new();
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the passphrase")?;
        line
    };
    eprintln!();
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Ask twice for a new secret; the two must match.
pub fn new_secret(what: &str) -> Result<String> {
    let a = hidden(&format!("New {what}: "))?;
    let b = hidden(&format!("New {what} again: "))?;
    if a != b {
        bail!("the two {what}s differ; nothing was changed");
    }
    Ok(a)
}

/// Turns terminal echo off for standard input while it lives.
struct EchoOff {
    #[cfg(unix)]
    saved: Option<libc::termios>,
}

impl EchoOff {
    fn new() -> Self {
        #[cfg(unix)]
        {
            // SAFETY: tcgetattr/tcsetattr on fd 0 with a zeroed, then filled, termios.
            unsafe {
                let mut t: libc::termios = std::mem::zeroed();
                if libc::tcgetattr(0, &mut t) != 0 {
                    return EchoOff { saved: None };
                }
                let saved = t;
                t.c_lflag &= !libc::ECHO;
                if libc::tcsetattr(0, libc::TCSANOW, &t) != 0 {
                    return EchoOff { saved: None };
                }
                EchoOff { saved: Some(saved) }
            }
        }
        #[cfg(not(unix))]
        EchoOff {}
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(t) = self.saved {
            // SAFETY: restores the attributes read in `new`.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, &t);
            }
        }
    }
}
