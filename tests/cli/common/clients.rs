//! Running the programs that call tokctl themselves (git, kubectl, a shell
//! under `exec --keep-fresh`) inside the test's isolated installation, and
//! the issuer-side checks their test servers make.

use super::TestEnv;
use super::mock_api::{MOCK_ACCOUNTS, MockApi};
use std::path::PathBuf;
use std::process::Command;

impl TestEnv {
    /// `program` with the same isolated environment as [`TestEnv::tokctl`],
    /// so that the tokctl it runs finds this test's profiles.
    pub fn client(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let model = self.tokctl_std();
        let mut cmd = Command::new(program);
        for (k, v) in model.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd
    }

    /// The tokctl binary under test.
    pub fn tokctl_path(&self) -> PathBuf {
        PathBuf::from(self.tokctl_std().get_program())
    }

    /// Logs profile `name` in to the mock server's RealMassive API.
    pub fn login_mock(&self, mock: &MockApi, name: &str) {
        let (_, user, password) = MOCK_ACCOUNTS[0];
        self.rm_login(name, &mock.url, (user, password), &[]);
    }
}

impl MockApi {
    /// Whether the mock takes `token` right now at its protected endpoint:
    /// the check the git and Kubernetes test servers make.
    pub fn accepts(&self, token: &str) -> bool {
        self.get_with_token("/api/things", token).0 == 200
    }

    /// How many refresh requests the mock has answered.
    pub fn refreshes(&self) -> u64 {
        self.stats()["refresh"].as_u64().unwrap_or(0)
    }
}
