//! The command-line client's whole story against a real server that
//! builds: log in with a piped password, make a JavaScript function from a
//! template, deploy it with a mistake (the diagnostic points at the file's
//! line and column), fix it, deploy twice, call it, read its logs (and
//! follow them live), roll back, list, and
//! read the same as JSON; with the exit code of each kind of failure.
//!
//! The CLI runs in-process through its library, each run with this
//! test's own config and working directories and piped standard streams,
//! so nothing of the machine's (a stored login, FNLAB_TOKEN) leaks in.

mod common;

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{PASSWORD, building_server};
use fnlab_cli::{Console, Environment, Exit};
use serde_json::{Value, json};

/// A function that shows what it was asked, which version answers, and
/// fails on `/boom`. `VERSION` is replaced before each deploy.
const FUNCTION: &str = r#"export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/boom') throw new Error('boom on purpose');
    const body = await request.text();
    console.log(`asked ${request.method} ${url.pathname}`);
    return new Response(`VERSION ${request.method} ${url.pathname} ${request.headers.get('x-test')} ${body}`);
  },
};
"#;

/// A syntax error on line 3.
const BROKEN: &str =
    "export default {\n  fetch(request) {\n    return new Response('a' +);\n  },\n};\n";

#[tokio::test]
async fn the_cli_logs_in_deploys_calls_reads_logs_and_rolls_back() {
    // The port named, so that the function URLs the server reports (and
    // `invoke` calls) name it too.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap().to_string();
    drop(free);
    let server = building_server(&["--addr", &addr]).await;
    let api = server.client();
    let credentials = json!({ "username": "ann", "password": PASSWORD });
    api.post("/api/v1/users", credentials).await.expect(201);
    let home = tempfile::tempdir().unwrap();
    let cli = Cli::new(home.path());

    // Before logging in, commands say so.
    let ran = cli.run(&["ls"]).await;
    ran.expect_failure(Exit::NotLoggedIn, "not logged in");

    // Log in: the username and password piped, the token stored privately.
    let ran = cli
        .run_with_input(&["login", &server.base], &format!("ann\n{PASSWORD}\n"))
        .await;
    ran.expect_ok();
    assert!(ran.stdout.contains("Logged in to"), "{ran:?}");
    let config = std::fs::read_to_string(cli.config_file()).unwrap();
    assert!(!config.contains(PASSWORD), "{config}");
    let token = serde_json::from_str::<Value>(&config).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(cli.config_file()).unwrap().permissions();
        assert_eq!(mode.mode() & 0o777, 0o600);
    }
    let ann = api.with_token(&token);
    let tokens = ann.get("/api/v1/tokens").await.expect(200);
    assert!(
        tokens[0]["name"]
            .as_str()
            .unwrap()
            .starts_with("fnlab-cli on "),
        "{tokens}"
    );
    // A wrong password is the server's refusal, with its message.
    let ran = cli
        .run_with_input(&["login", &server.base, "--username", "ann"], "wrong\n")
        .await;
    ran.expect_failure(Exit::NotLoggedIn, "password");

    // A folder from a template, not made twice.
    cli.run(&["new", "hello", "--language", "javascript"])
        .await
        .expect_ok();
    let folder = cli.work.join("hello");
    let manifest = std::fs::read_to_string(folder.join("fnlab.json")).unwrap();
    let manifest: Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(
        manifest,
        json!({ "name": "hello", "language": "javascript" })
    );
    assert!(folder.join("handler.js").is_file());
    let ran = cli.run(&["new", "hello", "--language", "javascript"]).await;
    ran.expect_failure(Exit::Usage, "already exists");

    // A mistake: the build fails, and says where, as rustc would.
    std::fs::write(folder.join("handler.js"), BROKEN).unwrap();
    let ran = cli.run(&["deploy", "hello"]).await;
    ran.expect_failure(Exit::Refused, "the build failed");
    let location = format!("--> {}:3:", folder.join("handler.js").display());
    assert!(ran.stderr.contains(&location), "{location} in {ran:?}");
    assert!(ran.stderr.contains("error: "), "{ran:?}");
    assert!(ran.stderr.contains("build: failed"), "{ran:?}");

    // Fixed, and deployed twice: versions 1 and 2 at the function's URL.
    for version in ["one", "two"] {
        let source = FUNCTION.replace("VERSION", version);
        std::fs::write(folder.join("handler.js"), source).unwrap();
        let ran = cli.run(&["deploy", "hello"]).await;
        ran.expect_ok();
        let number = if version == "one" { 1 } else { 2 };
        assert!(
            ran.stdout
                .contains(&format!("Deployed hello version {number}")),
            "{ran:?}"
        );
        let url = format!("{}/fn/ann/hello/", server.base);
        assert!(ran.stdout.contains(&url), "{ran:?}");
        assert!(ran.stderr.contains("build: live"), "{ran:?}");
    }

    // Called with a method, path, header and body from a file.
    std::fs::write(cli.work.join("body.txt"), "from a file").unwrap();
    let ran = cli
        .run(&[
            "invoke",
            "hello",
            "--path",
            "/greet",
            "-X",
            "put",
            "-H",
            "x-test: yes",
            "--data",
            "@body.txt",
        ])
        .await;
    ran.expect_ok();
    assert_eq!(ran.stdout, "two PUT /greet yes from a file\n");
    assert!(ran.stderr.contains("200 OK"), "{ran:?}");
    let called = request_id(&ran.stderr);
    // A function's 5xx is a failure of the command.
    let ran = cli.run(&["invoke", "hello", "--path", "/boom"]).await;
    ran.expect_failure(Exit::Refused, "the function answered 500");
    let boom = request_id(&ran.stderr);

    // The logs show both, oldest first, with what they printed.
    let ran = eventually(
        || cli.run(&["logs", "hello"]),
        |ran| ran.stdout.contains(&boom),
    )
    .await;
    let (first, second) = (
        ran.stdout.find(&called).unwrap(),
        ran.stdout.find(&boom).unwrap(),
    );
    assert!(first < second, "oldest first: {ran:?}");
    assert!(ran.stdout.contains("| asked PUT /greet"), "{ran:?}");
    assert!(ran.stdout.contains("boom on purpose"), "{ran:?}");
    let ran = cli.run(&["logs", "hello", "--status", "5xx"]).await;
    assert!(
        ran.stdout.contains(&boom) && !ran.stdout.contains(&called),
        "{ran:?}"
    );
    follow_logs(&cli, &ann).await;

    // Back to version 1.
    let ran = cli.run(&["rollback", "hello", "1"]).await;
    ran.expect_ok();
    assert!(ran.stdout.contains("runs version 1 again"), "{ran:?}");
    let ran = cli.run(&["invoke", "hello", "--data", "x"]).await;
    assert_eq!(ran.stdout, "one POST / null x\n");
    // A direct invoke with a JSON event: this function gets it as a POST
    // to `/`, and its text answer is printed as a JSON string.
    let ran = cli
        .run(&["invoke", "hello", "--payload", r#"{"n":1}"#])
        .await;
    ran.expect_ok();
    assert_eq!(ran.stdout, "\"one POST / null {\\\"n\\\":1}\"\n");
    assert!(ran.stderr.contains("200 (fnlab-request-id: "), "{ran:?}");
    let ran = cli.run(&["invoke", "hello", "--payload", "{oops"]).await;
    ran.expect_failure(Exit::Refused, "the payload is not JSON");
    let ran = cli.run(&["rollback", "hello", "7"]).await;
    ran.expect_failure(Exit::Refused, "(404, not_found)");

    // The list, for people and as the server's JSON.
    let ran = cli.run(&["ls"]).await;
    ran.expect_ok();
    let row = (ran.stdout.lines())
        .find(|line| line.starts_with("hello "))
        .unwrap_or_else(|| panic!("no row for hello: {ran:?}"));
    assert!(
        row.contains(" 1 ") && row.contains("/fn/ann/hello/"),
        "{row}"
    );
    let listed = cli.json(&["ls", "--json"]).await;
    assert_eq!(listed[0]["name"], "hello");
    assert_eq!(listed[0]["live_version"], 1);
    let logs = cli.json(&["--json", "logs", "hello", "-n", "1"]).await;
    assert_eq!(logs.as_array().unwrap().len(), 1, "{logs}");
    let rolled = cli.json(&["rollback", "hello", "2", "--json"]).await;
    assert_eq!(rolled["version"], 2);

    // Variables and secrets: set, listed (the secret by name only), unset.
    let ran = cli
        .run(&["env", "set", "hello", "MODE=test", "LEVEL=2"])
        .await;
    ran.expect_ok();
    assert!(
        ran.stdout.contains("MODE") && ran.stdout.contains("test"),
        "{ran:?}"
    );
    let set_secret = ["env", "set", "hello", "TOKEN", "--secret"];
    let ran = cli.run_with_input(&set_secret, "s3cret-value\n").await;
    ran.expect_ok();
    assert!(
        ran.stdout.contains("TOKEN") && !ran.stdout.contains("s3cret"),
        "{ran:?}"
    );
    cli.run(&["env", "unset", "hello", "LEVEL"])
        .await
        .expect_ok();
    let env = cli.json(&["env", "list", "hello", "--json"]).await;
    assert_eq!(env["vars"], json!({ "MODE": "test" }));
    assert_eq!(env["secrets"][0]["name"], "TOKEN");
    let ran = cli.run(&["env", "set", "hello", "lower=x"]).await;
    ran.expect_failure(Exit::Refused, "not a valid name");
    let ran = cli.run(&["env", "set", "hello", "NO_VALUE"]).await;
    ran.expect_failure(Exit::Usage, "is not KEY=VALUE");

    // Each kind of failure has its exit code and says why.
    let ran = cli.run(&["ls", "--token", "fnlab_not_a_token"]).await;
    ran.expect_failure(Exit::NotLoggedIn, "the API token is not valid");
    let ran = cli.run(&["ls", "--url", "http://127.0.0.1:9"]).await;
    // The stored token is for the server it was made for, not this one.
    ran.expect_failure(Exit::NotLoggedIn, "not logged in");
    let ran = cli
        .run(&["ls", "--url", "http://127.0.0.1:9", "--token", "x"])
        .await;
    ran.expect_failure(Exit::Unreachable, "cannot reach http://127.0.0.1:9");
    let ran = cli.run(&["deploy", "--frobnicate"]).await;
    ran.expect_failure(Exit::Usage, "--frobnicate");
    let ran = cli.run(&["invoke", "nobody"]).await;
    ran.expect_failure(Exit::Refused, "not found");
    let help = cli.run(&["--help"]).await;
    help.expect_ok();
    assert!(help.stdout.contains("Exit codes:"), "{help:?}");
}

/// `logs --follow` shows invocations as they end, filtered (the live
/// tail, `/logs/tail`).
async fn follow_logs(cli: &Cli, ann: &common::Client) {
    // A bad filter is refused at once (a good one streams forever).
    let probe = "/api/v1/functions/hello/logs/tail?status=teapot";
    ann.get(probe).await.expect_error(422, "invalid_status");
    let (out, err) = (Shared::default(), Shared::default());
    let follow = cli.run_into(
        &["logs", "hello", "--follow", "--status", "5xx"],
        "",
        out.clone(),
        err.clone(),
    );
    let watch = async {
        eventually(async || err.text(), |text| text.contains("Following")).await;
        let ok = request_id(&cli.run(&["invoke", "hello"]).await.stderr);
        let boom = request_id(
            &cli.run(&["invoke", "hello", "--path", "/boom"])
                .await
                .stderr,
        );
        let shown = eventually(async || out.text(), |text| text.contains(&boom)).await;
        assert!(!shown.contains(&ok), "only the 5xx: {shown}");
        assert!(shown.contains("boom on purpose"), "{shown}");
    };
    tokio::select! {
        exit = follow => panic!("--follow ended ({exit:?}): {}{}", out.text(), err.text()),
        () = watch => {}
    }
}

/// What one run of the CLI did.
#[derive(Debug)]
struct Ran {
    exit: Exit,
    stdout: String,
    stderr: String,
}

impl Ran {
    #[track_caller]
    fn expect_ok(&self) {
        assert_eq!(self.exit, Exit::Ok, "{self:?}");
    }

    #[track_caller]
    fn expect_failure(&self, exit: Exit, message: &str) {
        assert_eq!(self.exit, exit, "{self:?}");
        assert!(self.stderr.contains(message), "{message:?} in {self:?}");
    }
}

/// The CLI as one person at one machine: a config directory of its own
/// and a working directory to make folders in.
struct Cli {
    environment: Environment,
    work: PathBuf,
}

impl Cli {
    fn new(home: &Path) -> Self {
        let work = home.join("work");
        std::fs::create_dir(&work).unwrap();
        let environment = Environment {
            config_dir: Some(home.join("config")),
            working_dir: work.clone(),
            ..Environment::default()
        };
        Self { environment, work }
    }

    fn config_file(&self) -> PathBuf {
        self.environment
            .config_dir
            .as_ref()
            .unwrap()
            .join("config.json")
    }

    async fn run(&self, args: &[&str]) -> Ran {
        self.run_with_input(args, "").await
    }

    async fn run_with_input(&self, args: &[&str], input: &str) -> Ran {
        let (out, err) = (Shared::default(), Shared::default());
        let exit = self.run_into(args, input, out.clone(), err.clone()).await;
        Ran {
            exit,
            stdout: out.text(),
            stderr: err.text(),
        }
    }

    /// A run that must succeed, its standard output read as JSON.
    async fn json(&self, args: &[&str]) -> Value {
        let ran = self.run(args).await;
        ran.expect_ok();
        serde_json::from_str(&ran.stdout).unwrap_or_else(|e| panic!("{e}: {ran:?}"))
    }

    async fn run_into(&self, args: &[&str], input: &str, out: Shared, err: Shared) -> Exit {
        let (mut stdin, mut out, mut err) = (Cursor::new(input.as_bytes()), out, err);
        let mut console = Console {
            stdin: &mut stdin,
            stdout: &mut out,
            stderr: &mut err,
            stdin_is_terminal: false,
            stderr_is_terminal: false,
        };
        let args = std::iter::once("fnlab-cli").chain(args.iter().copied());
        fnlab_cli::run(args, &self.environment, &mut console).await
    }
}

/// Output that a test reads while the CLI still writes it.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Shared {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Shared {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The request id `invoke` printed to standard error.
#[track_caller]
fn request_id(stderr: &str) -> String {
    let (_, rest) = (stderr.split_once("fnlab-request-id: "))
        .unwrap_or_else(|| panic!("no request id in {stderr:?}"));
    rest[..32].to_owned()
}

/// `attempt` again until `done` says its result is there (invocations are
/// recorded a moment after they answer); at most 30 s.
async fn eventually<T: std::fmt::Debug>(
    mut attempt: impl AsyncFnMut() -> T,
    done: impl Fn(&T) -> bool,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let result = attempt().await;
        if done(&result) {
            return result;
        }
        assert!(Instant::now() < deadline, "still not there: {result:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
