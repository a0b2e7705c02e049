//! Configuration: command-line flags, then `DIGNITY_*` environment variables, then an
//! optional TOML file, then defaults — in that order of precedence.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const DEFAULT_DATA_DIR: &str = "./dignity-data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// What may be given in the TOML file (every key optional), and on the command line or in
/// the environment.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub key_file: Option<PathBuf>,
    pub person_keys: Option<PathBuf>,
    pub listen: Option<String>,
    pub public_url: Option<String>,
    pub log_format: Option<String>,
    pub demo_data: Option<bool>,
}

/// The configuration in force.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub key_file: Option<PathBuf>,
    /// The person key vault (see `dignity_store::vault`); `None`: `DATA_DIR/person-keys`.
    pub person_keys: Option<PathBuf>,
    pub listen: String,
    pub public_url: Option<String>,
    pub log_format: String,
    pub demo_data: bool,
    /// The passphrase of a sealed key file: `DIGNITY_KEY_PASSPHRASE`, or the file
    /// `DIGNITY_KEY_PASSPHRASE_FILE` names (never from the TOML file, never shown).
    #[serde(skip)]
    pub key_passphrase: Option<dignity_store::keyfile::Passphrase>,
    /// Where each value came from: flag, env, file or default.
    #[serde(skip)]
    pub sources: Vec<(&'static str, &'static str)>,
}

/// The values given on the command line or in the environment (clap merges the two:
/// a flag beats its `DIGNITY_*` variable).
#[derive(Debug, Default, Clone)]
pub struct Given {
    /// The TOML file to read.
    pub config: Option<PathBuf>,
    /// The values themselves, as the file could give them.
    pub values: FileConfig,
}

pub fn load_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow::anyhow!("cannot read the configuration file {}: {e}", path.display())
    })?;
    toml::from_str(&text).map_err(|e| anyhow::anyhow!("configuration file {}: {e}", path.display()))
}

pub fn resolve(given: &Given) -> anyhow::Result<Config> {
    let file = match &given.config {
        Some(p) => load_file(p)?,
        None => FileConfig::default(),
    };
    let given = &given.values;
    let mut sources = Vec::new();
    macro_rules! pick {
        ($name:literal, $given:expr, $file:expr, $default:expr) => {{
            if let Some(v) = $given.clone() {
                sources.push(($name, "flag/env"));
                Some(v)
            } else if let Some(v) = $file.clone() {
                sources.push(($name, "file"));
                Some(v)
            } else {
                sources.push(($name, "default"));
                $default
            }
        }};
    }
    let data_dir = pick!(
        "data_dir",
        given.data_dir,
        file.data_dir,
        Some(PathBuf::from(DEFAULT_DATA_DIR))
    )
    .unwrap_or_default();
    let database_url = pick!("database_url", given.database_url, file.database_url, None);
    let key_file = pick!("key_file", given.key_file, file.key_file, None);
    let person_keys = pick!("person_keys", given.person_keys, file.person_keys, None);
    let listen = pick!(
        "listen",
        given.listen,
        file.listen,
        Some(DEFAULT_LISTEN.to_string())
    )
    .unwrap_or_default();
    let public_url = pick!("public_url", given.public_url, file.public_url, None);
    let log_format = pick!(
        "log_format",
        given.log_format,
        file.log_format,
        Some("text".to_string())
    )
    .unwrap_or_default();
    let demo_data = pick!("demo_data", given.demo_data, file.demo_data, Some(true)).unwrap_or(true);
    if !matches!(log_format.as_str(), "text" | "json") {
        anyhow::bail!("log_format must be \"text\" or \"json\", not {log_format:?}");
    }
    if listen.parse::<std::net::SocketAddr>().is_err() {
        anyhow::bail!("listen must be an address and port such as 127.0.0.1:8080, not {listen:?}");
    }
    if let Some(u) = &database_url {
        if !(u.starts_with("postgres://")
            || u.starts_with("postgresql://")
            || u.starts_with("sqlite:"))
        {
            anyhow::bail!(
                "database_url must start with postgres:// or sqlite:, not {}",
                dignity_store::mask_url(u)
            );
        }
    }
    let key_passphrase =
        dignity_store::keyfile::passphrase_from_env()?.map(dignity_store::keyfile::Passphrase::new);
    Ok(Config {
        data_dir,
        database_url,
        key_file,
        person_keys,
        listen,
        public_url,
        log_format,
        demo_data,
        key_passphrase,
        sources,
    })
}

impl Config {
    /// Where the store is. A sealed key file's passphrase comes from the environment, or,
    /// when none is set and a terminal is attached, is asked for there. Without either,
    /// opening the store fails with a message that names the variables to set.
    pub fn open_options(&self) -> dignity_store::OpenOptions {
        let mut key_passphrase = self.key_passphrase.clone();
        if key_passphrase.is_none()
            && dignity_store::keyfile::is_sealed(&self.key_path())
            && crate::prompt::interactive()
        {
            key_passphrase = crate::prompt::hidden(&format!(
                "Passphrase of the key file {}: ",
                self.key_path().display()
            ))
            .ok()
            .filter(|p| !p.is_empty())
            .map(dignity_store::keyfile::Passphrase::new);
        }
        dignity_store::OpenOptions {
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            key_file: self.key_file.clone(),
            key_passphrase,
            person_keys: self.person_keys.clone(),
        }
    }

    /// The key file in force.
    pub fn key_path(&self) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("keys.json"))
    }

    /// The person key vault in force.
    pub fn person_keys_path(&self) -> PathBuf {
        self.person_keys
            .clone()
            .unwrap_or_else(|| self.data_dir.join("person-keys"))
    }

    /// The configuration as TOML, with secrets masked.
    pub fn to_masked_toml(&self) -> String {
        let mut out = String::new();
        let src = |k: &str| {
            self.sources
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, s)| *s)
                .unwrap_or("default")
        };
        let mut line = |k: &str, v: String| out.push_str(&format!("{k} = {v}  # {}\n", src(k)));
        line(
            "data_dir",
            format!("{:?}", self.data_dir.display().to_string()),
        );
        line(
            "database_url",
            match &self.database_url {
                Some(u) => format!("{:?}", dignity_store::mask_url(u)),
                None => format!(
                    "{:?}",
                    format!("sqlite://{}", self.data_dir.join("dignity.db").display())
                ),
            },
        );
        line(
            "key_file",
            format!(
                "{:?}",
                self.key_file
                    .clone()
                    .unwrap_or_else(|| self.data_dir.join("keys.json"))
                    .display()
                    .to_string()
            ),
        );
        line(
            "person_keys",
            format!("{:?}", self.person_keys_path().display().to_string()),
        );
        line("listen", format!("{:?}", self.listen));
        line(
            "public_url",
            format!("{:?}", self.public_url.clone().unwrap_or_default()),
        );
        line("log_format", format!("{:?}", self.log_format));
        line("demo_data", self.demo_data.to_string());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_file_beat_defaults() {
        let dir = std::env::temp_dir().join(format!("dignity-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("dignity.toml");
        std::fs::write(&f, "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/dignity\"\ndatabase_url = \"postgres://u:pw@db/x\"\n").unwrap();
        let given = Given {
            config: Some(f.clone()),
            values: FileConfig {
                data_dir: Some("/from/flag".into()),
                ..Default::default()
            },
        };
        let c = resolve(&given).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/from/flag"));
        assert_eq!(c.listen, "0.0.0.0:9000");
        let shown = c.to_masked_toml();
        assert!(shown.contains("postgres://u:****@db/x"));
        assert!(!shown.contains("pw@"));
        assert!(shown.contains("# file"));
        let d = resolve(&Given::default()).unwrap();
        assert_eq!(d.listen, DEFAULT_LISTEN);
        assert_eq!(
            d.open_options().person_keys_path(),
            PathBuf::from(DEFAULT_DATA_DIR).join("person-keys")
        );
        // The person key vault: the file's value, beaten by a flag.
        std::fs::write(&f, "person_keys = \"/secure/vault\"\n").unwrap();
        let from_file = Given {
            config: Some(f.clone()),
            ..Default::default()
        };
        let c = resolve(&from_file).unwrap();
        assert_eq!(c.open_options().person_keys, Some("/secure/vault".into()));
        assert!(c
            .to_masked_toml()
            .contains("person_keys = \"/secure/vault\"  # file"));
        let c = resolve(&Given {
            values: FileConfig {
                person_keys: Some("/from/flag/vault".into()),
                ..Default::default()
            },
            ..from_file
        })
        .unwrap();
        assert_eq!(
            c.open_options().person_keys,
            Some("/from/flag/vault".into())
        );
        std::fs::write(&f, "listen = \"nonsense\"\n").unwrap();
        assert!(resolve(&Given {
            config: Some(f.clone()),
            ..Default::default()
        })
        .unwrap_err()
        .to_string()
        .contains("listen"));
        std::fs::write(&f, "lisen = \"typo\"\n").unwrap();
        let e = resolve(&Given {
            config: Some(f),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("lisen"), "{e}");
        std::fs::remove_dir_all(dir).ok();
    }
}
