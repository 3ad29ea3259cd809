//! The side-by-side driver (scripts/bench): runs each tool's binary (tool-*) in its own
//! process on fresh databases of the server of `DATABASE_URL`, counts round trips through a TCP
//! proxy, and writes bench/RESULTS.md. Each tool binary times its own run after connecting and
//! prints nanoseconds; `psql -1 -f` is timed as a whole process (it cannot time itself).
//!
//! Environment: DATABASE_URL (required), RUNS (default 5), BENCH_COMPILE (the compile-time
//! TSV written by the script), BENCH_MACHINE (a line describing the machine), BENCH_OUT.
//!
//! `driver fleet` measures the fleet section instead (see the `fleet` module); each section
//! rewrites its own part of RESULTS.md and keeps the other's.

mod fleet;
// Only the counting is used here; the fault tests' trips and cuts are not.
#[allow(dead_code)]
#[path = "../../../tests/src/proxy.rs"]
mod proxy;
#[path = "../../sections.rs"]
mod sections;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use proxy::CountingProxy;

/// The heading of the peers' section of RESULTS.md.
const PEERS: &str = "# Side by side";

const TOOLS: [&str; 6] = ["raw", "ours", "refinery", "sqlx", "diesel", "psql"];
const LABELS: [&str; 6] = [
    "raw baseline",
    "ours",
    "refinery",
    "sqlx",
    "diesel_migrations",
    "psql -1 -f",
];

struct Server {
    host: String,
    port: u16,
    user: String,
    password: Option<String>,
    admin: postgres::Client,
    bin_dir: PathBuf,
    generated: PathBuf,
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Server {
    fn url(&self, tool: &str, db: &str, port: Option<u16>) -> String {
        let auth = match &self.password {
            Some(p) => format!("{}:{}", enc(&self.user), enc(p)),
            None => enc(&self.user),
        };
        let (host, port) = match port {
            Some(p) => ("127.0.0.1".to_string(), p),
            None => (self.host.clone(), self.port),
        };
        // Plain TCP for every tool (the proxy must read the protocol); libpq also tries GSS.
        let params = if tool == "diesel" || tool == "psql" {
            "sslmode=disable&gssencmode=disable"
        } else {
            "sslmode=disable"
        };
        format!("postgresql://{auth}@{host}:{port}/{db}?{params}")
    }

    fn fresh(&mut self, db: &str) {
        self.drop(db);
        self.admin
            .batch_execute(&format!("CREATE DATABASE {db}"))
            .unwrap();
    }

    fn drop(&mut self, db: &str) {
        self.admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
            .unwrap();
    }

    /// Runs `tool` once (mode `run` or `connect`) and returns its in-process time in ms (psql:
    /// the whole process).
    fn exec(&self, tool: &str, n: usize, mode: &str, url: &str) -> f64 {
        if tool == "psql" {
            let mut cmd = Command::new("psql");
            cmd.args(["-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-d", url]);
            if mode == "connect" {
                cmd.args(["-c", "SELECT 1"]);
            } else {
                let dir = self.generated.join(format!("n{n}/ours"));
                let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect();
                files.sort();
                for f in files {
                    cmd.arg("-f").arg(f);
                }
            }
            cmd.stdout(std::process::Stdio::null());
            let started = Instant::now();
            let out = cmd.output().unwrap();
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            assert!(
                out.status.success(),
                "psql: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return ms;
        }
        let bin = self.bin_dir.join(format!("tool-{tool}"));
        let out = Command::new(&bin)
            .args([&n.to_string(), mode, url])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            bin.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        if mode == "connect" {
            return 0.0;
        }
        let ns: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        ns / 1e6
    }
}

#[derive(Clone, Default)]
struct Stat {
    all: Vec<f64>,
    median: f64,
    min: f64,
    max: f64,
}

fn stat(mut v: Vec<f64>) -> Stat {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    Stat {
        median,
        min: v[0],
        max: v[n - 1],
        all: v,
    }
}

type Times = BTreeMap<String, BTreeMap<&'static str, Stat>>;
type Trips = BTreeMap<String, BTreeMap<&'static str, usize>>;

fn tool_name(t: &str) -> &'static str {
    TOOLS[TOOLS.iter().position(|x| *x == t).unwrap()]
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("fleet") => return fleet::main(),
        // `driver section HEADING`: the section on stdin replaces the one of that heading (the
        // shell benchmarks write theirs so).
        Some("section") => {
            let heading = std::env::args().nth(2).expect("driver section HEADING");
            let mut section = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut section).unwrap();
            write_results(&section, |existing| {
                sections::replace_section(existing, &heading, &section)
            });
            return;
        }
        _ => {}
    }
    let runs: usize = std::env::var("RUNS").ok().map_or(5, |r| r.parse().unwrap());
    let data_path = std::env::var("BENCH_DATA").unwrap_or_else(|_| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/db-results.tsv")
            .display()
            .to_string()
    });
    // BENCH_REPORT_ONLY=1: rewrite the report from the saved database figures (after the compile
    // times were measured), without a database.
    let (tools, times, trips, version, runs, elapsed) =
        if std::env::var("BENCH_REPORT_ONLY").as_deref() == Ok("1") {
            load(&data_path)
        } else {
            let measured = measure(runs);
            save(&data_path, &measured);
            measured
        };

    // Compile times (written by the script): tool \t seconds...
    let mut compile: BTreeMap<String, Stat> = BTreeMap::new();
    let mut compile_notes = String::new();
    if let Ok(path) = std::env::var("BENCH_COMPILE") {
        if let Ok(text) = std::fs::read_to_string(&path) {
            for line in text.lines() {
                let mut parts = line.split('\t');
                let tool = parts.next().unwrap().to_string();
                let v: Vec<f64> = parts.filter_map(|x| x.parse().ok()).collect();
                if v.is_empty() {
                    let _ = writeln!(compile_notes, "- {tool}: not measured ({line})");
                } else {
                    compile.insert(tool, stat(v));
                }
            }
        }
    }

    let out = report(
        &tools,
        &times,
        &trips,
        &compile,
        &compile_notes,
        &version,
        runs,
        elapsed,
    );
    write_results(&out, |existing| {
        sections::replace_section(existing, PEERS, &out)
    });
}

/// Writes RESULTS.md (or `BENCH_OUT`): `update` gets its current text (empty when missing) and
/// returns the new one, so that each section keeps the other's figures. Prints `section`.
fn write_results(section: &str, update: impl Fn(&str) -> String) {
    let path = std::env::var("BENCH_OUT").unwrap_or_else(|_| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../RESULTS.md")
            .display()
            .to_string()
    });
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, update(&existing)).unwrap();
    println!("{section}");
    eprintln!("written to {path}");
}

type Measured = (Vec<&'static str>, Times, Trips, String, usize, f64);

fn save(path: &str, (tools, times, trips, version, runs, elapsed): &Measured) {
    let mut o = String::new();
    let _ = writeln!(o, "meta\t{version}\t{runs}\t{elapsed}\t{}", tools.join(","));
    for (sc, row) in times {
        for (t, s) in row {
            let v: Vec<String> = s.all.iter().map(|x| x.to_string()).collect();
            let _ = writeln!(o, "time\t{sc}\t{t}\t{}", v.join(","));
        }
    }
    for (sc, row) in trips {
        for (t, n) in row {
            let _ = writeln!(o, "trips\t{sc}\t{t}\t{n}");
        }
    }
    std::fs::write(path, o).unwrap();
}

fn load(path: &str) -> Measured {
    let text = std::fs::read_to_string(path).unwrap();
    let (mut tools, mut times, mut trips) = (Vec::new(), Times::new(), Trips::new());
    let (mut version, mut runs, mut elapsed) = (String::new(), 0, 0.0);
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f[0] {
            "meta" => {
                version = f[1].to_string();
                runs = f[2].parse().unwrap();
                elapsed = f[3].parse().unwrap();
                tools = f[4].split(',').map(tool_name).collect();
            }
            "time" => {
                let v = f[3].split(',').map(|x| x.parse().unwrap()).collect();
                times
                    .entry(f[1].to_string())
                    .or_default()
                    .insert(tool_name(f[2]), stat(v));
            }
            "trips" => {
                trips
                    .entry(f[1].to_string())
                    .or_default()
                    .insert(tool_name(f[2]), f[3].parse().unwrap());
            }
            _ => {}
        }
    }
    (tools, times, trips, version, runs, elapsed)
}

impl Server {
    /// Connects to the server of `DATABASE_URL` (over TCP: the URLs the tools get are built
    /// from its host and port).
    fn from_env() -> Self {
        let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
        let config: postgres::Config = url.parse().unwrap();
        let host = match &config.get_hosts()[0] {
            postgres::config::Host::Tcp(h) => h.clone(),
            #[cfg(unix)]
            h => panic!("needs a TCP server, not {h:?}"),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let user = config.get_user().unwrap().to_string();
        let password = config
            .get_password()
            .map(|p| String::from_utf8_lossy(p).into_owned());
        let admin = config.connect(postgres::NoTls).unwrap();
        let exe = std::env::current_exe().unwrap();
        Server {
            host,
            port,
            user,
            password,
            admin,
            bin_dir: exe.parent().unwrap().to_path_buf(),
            generated: Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated"),
        }
    }

    /// The server's version, as `SHOW server_version` gives it.
    fn version(&mut self) -> String {
        self.admin
            .query_one("SHOW server_version", &[])
            .unwrap()
            .get(0)
    }

    /// Where the server keeps its data and the file system there (from /proc/mounts, when the
    /// directory is on this machine), e.g. `/dev/shm/x/data (tmpfs)`; "unknown" when the
    /// server does not say (not a superuser).
    fn data_directory(&mut self) -> String {
        let Ok(row) = self.admin.query_one("SHOW data_directory", &[]) else {
            return "unknown".into();
        };
        let dir: String = row.get(0);
        let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
        let fs = mounts
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.len() > 2 && dir.starts_with(f[1])).then(|| (f[1].len(), f[2].to_owned()))
            })
            .max();
        match fs {
            Some((_, fs)) if Path::new(&dir).is_dir() => format!("{dir} ({fs})"),
            _ => dir,
        }
    }
}

fn measure(runs: usize) -> Measured {
    let mut s = Server::from_env();
    let (host, port) = (s.host.clone(), s.port);
    let proxy = CountingProxy::to(host, port);
    let version = s.version();
    let only: Option<Vec<String>> = std::env::var("TOOLS")
        .ok()
        .map(|t| t.split(',').map(str::to_string).collect());
    let tools: Vec<&'static str> = TOOLS
        .iter()
        .copied()
        .filter(|t| only.as_ref().is_none_or(|o| o.iter().any(|x| x == t)))
        .collect();
    // scenario -> tool -> (time, round trips)
    let mut times = Times::new();
    let mut trips = Trips::new();
    let db = "bench_peers";
    let started = Instant::now();
    for n in [100usize, 1000] {
        let fresh_key = format!("fresh apply, N={n}");
        let noop_key = format!("no-op start-up, N={n} applied");
        // Round trips: one more run of each tool through the proxy, minus those of connecting;
        // then, on the database it has just migrated, its no-op start-up.
        for &tool in &tools {
            s.fresh(db);
            proxy.take();
            // psql -X sends nothing but the startup message before the files' statements.
            if tool != "psql" {
                s.exec(tool, n, "connect", &s.url(tool, db, Some(proxy.port())));
            }
            let connect = proxy.take();
            s.exec(tool, n, "run", &s.url(tool, db, Some(proxy.port())));
            let fresh = proxy.take().saturating_sub(connect);
            trips
                .entry(fresh_key.clone())
                .or_default()
                .insert(tool, fresh);
            if tool != "psql" {
                s.exec(tool, n, "run", &s.url(tool, db, Some(proxy.port())));
                let noop = proxy.take().saturating_sub(connect);
                trips
                    .entry(noop_key.clone())
                    .or_default()
                    .insert(tool, noop);
            }
        }
        // Times, on direct connections: each run on a fresh database (fresh apply, then the
        // no-op start-up on the database the tool has just migrated; psql keeps no history, so
        // it has no no-op start-up). Runs are interleaved across tools (run 1 of every tool, then
        // run 2, ...) so that a slow phase of the machine does not fall on one tool only.
        let mut fresh: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
        let mut noop: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
        for _ in 0..runs {
            for &tool in &tools {
                s.fresh(db);
                let url = s.url(tool, db, None);
                fresh
                    .entry(tool)
                    .or_default()
                    .push(s.exec(tool, n, "run", &url));
                if tool != "psql" {
                    noop.entry(tool)
                        .or_default()
                        .push(s.exec(tool, n, "run", &url));
                }
            }
        }
        for (key, values) in [(&fresh_key, fresh), (&noop_key, noop)] {
            for (tool, v) in values {
                eprintln!("{key} {tool}: {v:?}");
                times.entry(key.clone()).or_default().insert(tool, stat(v));
            }
        }
    }
    s.drop(db);
    let elapsed = started.elapsed().as_secs_f64();
    (tools, times, trips, version, runs, elapsed)
}

fn label(tool: &str) -> &'static str {
    LABELS[TOOLS.iter().position(|t| *t == tool).unwrap()]
}

fn cell(s: &Stat, unit: &str) -> String {
    format!("{:.1} {unit} ({:.1}–{:.1})", s.median, s.min, s.max)
}

#[allow(clippy::too_many_arguments)]
fn report(
    tools: &[&str],
    times: &Times,
    trips: &Trips,
    compile: &BTreeMap<String, Stat>,
    compile_notes: &str,
    version: &str,
    runs: usize,
    elapsed: f64,
) -> String {
    let mut o = String::new();
    let machine = std::env::var("BENCH_MACHINE").unwrap_or_default();
    let _ = writeln!(
        o,
        "{PEERS}: ours, refinery, sqlx, diesel_migrations, a raw baseline, psql\n"
    );
    let _ = writeln!(
        o,
        "Written by `scripts/bench`. Machine: {machine}. PostgreSQL {version} on loopback \
         (pg_virtualenv unless DATABASE_URL was set), plain TCP. Each figure is the median of \
         {runs} runs, each on a fresh database, with (min–max). Times are measured inside each \
         tool's own process after it has connected, except `psql -1 -f`, timed as a whole \
         process (start, connect, run). Database runs took {elapsed:.0} s.\n"
    );
    let scenarios: Vec<&String> = {
        let mut k: Vec<&String> = times.keys().collect();
        k.sort_by_key(|s| (!s.starts_with("fresh"), s.len(), s.to_string()));
        k
    };
    let _ = writeln!(o, "## Time (ms)\n");
    let _ = write!(o, "| scenario |");
    for t in tools {
        let _ = write!(o, " {} |", label(t));
    }
    let _ = writeln!(o, "\n|---|{}", "---|".repeat(tools.len()));
    for sc in &scenarios {
        let _ = write!(o, "| {sc} |");
        for t in tools {
            let _ = match times[*sc].get(t) {
                Some(s) => write!(o, " {} |", cell(s, "ms")),
                None => write!(o, " n/a |"),
            };
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "\n## Ratios of medians\n");
    let _ = writeln!(
        o,
        "Each tool's median divided by the raw baseline's, and ours divided by each tool's \
         (below 1.00x: ours is faster).\n"
    );
    let _ = write!(o, "| scenario |");
    for t in tools.iter().filter(|t| **t != "raw") {
        let _ = write!(o, " {} / raw |", label(t));
    }
    for t in tools.iter().filter(|t| **t != "ours" && **t != "raw") {
        let _ = write!(o, " ours / {} |", label(t));
    }
    let cols = tools.len() * 2 - 3;
    let _ = writeln!(o, "\n|---|{}", "---|".repeat(cols));
    for sc in &scenarios {
        let row = &times[*sc];
        let _ = write!(o, "| {sc} |");
        let ratio = |a: Option<&Stat>, b: Option<&Stat>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.2}x", a.median / b.median),
            _ => "n/a".into(),
        };
        for t in tools.iter().filter(|t| **t != "raw") {
            let _ = write!(o, " {} |", ratio(row.get(t), row.get("raw")));
        }
        for t in tools.iter().filter(|t| **t != "ours" && **t != "raw") {
            let _ = write!(o, " {} |", ratio(row.get("ours"), row.get(t)));
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "\n## Round trips\n");
    let _ = writeln!(
        o,
        "Client messages that end a request (simple `Query` or extended-protocol `Sync`), counted \
         by a TCP proxy in one more run, minus those the tool sends while connecting (measured by \
         connecting alone). Per migration = fresh apply / N.\n"
    );
    let _ = write!(o, "| scenario |");
    for t in tools {
        let _ = write!(o, " {} |", label(t));
    }
    let _ = writeln!(o, "\n|---|{}", "---|".repeat(tools.len()));
    for sc in &scenarios {
        let _ = write!(o, "| {sc} |");
        for t in tools {
            let _ = match trips.get(*sc).and_then(|r| r.get(t)) {
                Some(n) => write!(o, " {n} |"),
                None => write!(o, " n/a |"),
            };
        }
        let _ = writeln!(o);
        if sc.starts_with("fresh") {
            let n: f64 = sc.rsplit('=').next().unwrap().parse().unwrap();
            let _ = write!(o, "| per migration, {} |", sc.replace("fresh apply, ", ""));
            for t in tools {
                let _ = match trips.get(*sc).and_then(|r| r.get(t)) {
                    Some(c) => write!(o, " {:.2} |", *c as f64 / n),
                    None => write!(o, " n/a |"),
                };
            }
            let _ = writeln!(o);
        }
    }
    let _ = writeln!(o, "\n## Compile time, N=1000 (s)\n");
    let _ = writeln!(
        o,
        "`touch src/main.rs` + `cargo build --release` of a binary crate embedding the 1000 \
         migrations and calling the tool's runner once (bench/compile/*), dependencies prebuilt \
         (proc macros optimised where the tool advises it: see bench/Cargo.toml). `empty` embeds \
         nothing and uses no database driver (rustc start-up and linking); `raw baseline` is the \
         raw baseline's program: the same driver as ours (`postgres::Client`, whose generic \
         connection code is compiled into the calling crate) and `include_str!` of each file, \
         nothing checked. diesel_migrations runs over libpq, a C library linked as it is.\n"
    );
    if compile.is_empty() {
        let _ = writeln!(o, "Not measured in this run.\n");
    } else {
        let fastest_peer = ["refinery", "sqlx", "diesel"]
            .iter()
            .filter_map(|t| compile.get(*t).map(|s| (*t, s.median)))
            .min_by(|a, b| a.1.partial_cmp(&b.1).unwrap());
        let _ = writeln!(o, "| crate | time | ours / it |\n|---|---|---|");
        for t in ["empty", "raw", "ours", "refinery", "sqlx", "diesel"] {
            if let Some(s) = compile.get(t) {
                let r = compile
                    .get("ours")
                    .map_or("n/a".into(), |our| format!("{:.2}x", our.median / s.median));
                let _ = writeln!(
                    o,
                    "| {} | {:.2} s ({:.2}–{:.2}) | {r} |",
                    if t == "empty" { "empty" } else { label(t) },
                    s.median,
                    s.min,
                    s.max
                );
            }
        }
        if let Some((t, m)) = fastest_peer {
            let _ = writeln!(o, "\nFastest peer: {} ({m:.2} s).", label(t));
        }
    }
    if !compile_notes.is_empty() {
        let _ = writeln!(o, "\n{compile_notes}");
    }
    goals(&mut o, times, trips, compile);
    o
}

/// The goals, checked against the medians above.
fn goals(o: &mut String, times: &Times, trips: &Trips, compile: &BTreeMap<String, Stat>) {
    let _ = writeln!(o, "\n## Goals (issue 5)\n");
    let verdict = |met: bool| if met { "met" } else { "**missed**" };
    let noop = "no-op start-up, N=1000 applied";
    if let (Some(t), Some(r)) = (times.get(noop), trips.get(noop)) {
        if let Some(ours) = t.get("ours") {
            let our_trips = r.get("ours").copied().unwrap_or(0);
            let _ = writeln!(
                o,
                "- no-op start-up, one round trip after connecting: {} ({our_trips}).",
                verdict(our_trips == 1)
            );
            for peer in ["sqlx", "refinery"] {
                if let Some(p) = t.get(peer) {
                    let ratio = ours.median / p.median;
                    let _ = writeln!(
                        o,
                        "- no-op start-up at N=1000, at most 0.5x {}'s time: {} ({:.2} ms / {:.2} ms = {ratio:.2}x).",
                        label(peer),
                        verdict(ratio <= 0.5),
                        ours.median,
                        p.median
                    );
                }
            }
        }
    }
    let fresh = "fresh apply, N=1000";
    if let Some(t) = times.get(fresh) {
        if let (Some(ours), Some(raw)) = (t.get("ours"), t.get("raw")) {
            let ratio = ours.median / raw.median;
            let _ = writeln!(
                o,
                "- fresh apply at N=1000, at most 0.95x the raw baseline: {} ({ratio:.2}x; peers: {}).",
                verdict(ratio <= 0.95),
                ["refinery", "sqlx", "diesel"]
                    .iter()
                    .filter_map(|p| t.get(p).map(|s| format!("{} {:.2}x", label(p), s.median / raw.median)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let fastest = ["refinery", "sqlx", "diesel"]
        .iter()
        .filter_map(|t| compile.get(*t).map(|s| (*t, s.median)))
        .min_by(|a, b| a.1.partial_cmp(&b.1).unwrap());
    match (compile.get("ours"), fastest) {
        (Some(ours), Some((peer, m))) => {
            let ratio = ours.median / m;
            let same_driver = compile.get("raw").map_or(String::new(), |raw| {
                format!(
                    "; against the raw baseline on the same driver: {:.2}x",
                    ours.median / raw.median
                )
            });
            let _ = writeln!(
                o,
                "- compile time at N=1000 within 1.2x of the fastest peer ({}): {} ({ratio:.2}x{same_driver}).",
                label(peer),
                verdict(ratio <= 1.2)
            );
        }
        _ => {
            let _ = writeln!(
                o,
                "- compile time at N=1000: not measured for every tool in this run."
            );
        }
    }
}
