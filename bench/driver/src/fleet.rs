//! The fleet section (issue 13): one embedded set applied to many tenant schemas by the loop
//! users write today (for each schema: connect, `MIGRATIONS.runner().tenant_schema(s).run`) and
//! by `Fleet` at several parallelisms, against one target migrated alone and against the same SQL
//! run without the tool at each parallelism (the server's own cost and scaling). Each measurement runs
//! bench/target/release/fleet in its own process on a database created fresh for it.
//!
//! Environment: DATABASE_URL (required), FLEET_TENANTS (default 500), FLEET_PARALLELISM
//! (default 1,2,4,8), FLEET_RUNS (default 3), FLEET_SINGLES (single-target runs per run, default
//! 10), BENCH_MACHINE, BENCH_OUT. The migration count is the number of files scripts/bench
//! generated in bench/generated/fleet (FLEET_MIGRATIONS there, default 50).

use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

use super::{stat, write_results, Server, Stat};

/// The first line of the fleet section in RESULTS.md; everything before it is the peers'.
const HEADING: &str = "# Fleet:";

/// The database every measurement creates fresh.
const DB: &str = "bench_fleet";

/// What one measurement runs.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// The users' loop, one target after the other.
    Sequential,
    /// `Fleet` at this parallelism.
    Fleet(usize),
    /// The same SQL without the tool at this parallelism: what the server alone costs.
    Raw(usize),
    /// One target alone.
    Single,
}

impl Mode {
    fn label(self) -> String {
        match self {
            Mode::Sequential => "loop of `Migrations::run`, one schema after the other".into(),
            Mode::Fleet(p) => format!("`Fleet`, parallelism {p}"),
            Mode::Raw(p) => format!("the SQL alone (no tool), parallelism {p}"),
            Mode::Single => "one target alone (connect, run)".into(),
        }
    }
}

/// The sizes the environment asks for.
struct Knobs {
    tenants: usize,
    migrations: usize,
    parallelism: Vec<usize>,
    runs: usize,
    singles: usize,
}

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name).ok().map_or(default, |v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name}={v}: not a count"))
    })
}

impl Knobs {
    fn from_env(server: &Server) -> Self {
        let parallelism = std::env::var("FLEET_PARALLELISM").unwrap_or_else(|_| "1,2,4,8".into());
        let migrations = std::fs::read_dir(server.generated.join("fleet"))
            .expect("bench/generated/fleet: run scripts/bench, which generates it")
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "sql")
            })
            .count();
        Knobs {
            tenants: knob("FLEET_TENANTS", 500),
            migrations,
            parallelism: parallelism
                .split(',')
                .map(|p| {
                    p.trim()
                        .parse()
                        .expect("FLEET_PARALLELISM: counts, comma-separated")
                })
                .collect(),
            runs: knob("FLEET_RUNS", 3),
            singles: knob("FLEET_SINGLES", 10),
        }
    }

    fn modes(&self) -> Vec<Mode> {
        std::iter::once(Mode::Sequential)
            .chain(self.parallelism.iter().map(|&p| Mode::Fleet(p)))
            .chain(self.parallelism.iter().map(|&p| Mode::Raw(p)))
            .collect()
    }
}

/// CPU seconds, user + system, that the reaped children of a process have used: the benchmark's
/// own (the fleet programs it ran) and, when the server runs on this machine, the postmaster's
/// (its backends, once they have exited).
struct CpuClock {
    /// The postmaster's pid, when its /proc entry can be read.
    postmaster: Option<String>,
    /// Clock ticks per second (`getconf CLK_TCK`).
    tick: f64,
}

impl CpuClock {
    fn new(server: &mut Server) -> Self {
        let backend: i32 = server
            .admin
            .query_one("SELECT pg_backend_pid()", &[])
            .unwrap()
            .get(0);
        let postmaster = proc_stat(&backend.to_string()).map(|f| f[1].clone());
        let tick = Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0);
        CpuClock { postmaster, tick }
    }

    /// (client, server) seconds so far; the server's `None` when it is not on this machine.
    fn read(&self) -> (f64, Option<f64>) {
        let children = |pid: &str| {
            proc_stat(pid).map(|f| {
                let ticks: f64 = f[13].parse::<f64>().unwrap() + f[14].parse::<f64>().unwrap();
                ticks / self.tick
            })
        };
        (
            children("self").expect("/proc/self/stat"),
            self.postmaster.as_deref().and_then(children),
        )
    }
}

/// The fields of /proc/PID/stat after the command name: [0] is the state, [1] the parent's
/// pid, [13] and [14] the reaped children's user and system ticks.
fn proc_stat(pid: &str) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &text[text.rfind(')')? + 1..];
    Some(after.split_whitespace().map(str::to_owned).collect())
}

/// One measurement.
struct Sample {
    wall_ms: f64,
    /// The median of the targets' own times (`Fleet` only).
    target_ms: Option<f64>,
    client_cpu: f64,
    server_cpu: Option<f64>,
}

/// Runs the fleet program once on `DB` (which the caller made fresh) and waits until its
/// backends have exited, so that the server's CPU is counted.
fn sample(s: &mut Server, clock: &CpuClock, mode: Mode, tenants: usize, schema: &str) -> Sample {
    let url = s.url("fleet", DB, None);
    let mut args = match mode {
        Mode::Sequential => vec!["sequential".to_owned()],
        Mode::Fleet(p) => vec!["fleet".to_owned(), p.to_string()],
        Mode::Raw(p) => vec!["raw".to_owned(), p.to_string()],
        Mode::Single => vec!["single".to_owned()],
    };
    args.push(url);
    args.push(match mode {
        Mode::Single => schema.to_owned(),
        _ => tenants.to_string(),
    });
    let before = clock.read();
    let bin = s.bin_dir.join("fleet");
    let out = Command::new(&bin).args(&args).output().unwrap();
    assert!(
        out.status.success(),
        "{} {}: {}",
        bin.display(),
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    wait_for_backends(s);
    let after = clock.read();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut ns = stdout
        .split_whitespace()
        .map(|x| x.parse::<f64>().unwrap() / 1e6);
    Sample {
        wall_ms: ns.next().expect("the program prints its time"),
        target_ms: ns.next(),
        client_cpu: after.0 - before.0,
        server_cpu: after.1.zip(before.1).map(|(a, b)| a - b),
    }
}

/// Waits until no backend is connected to `DB`, then a little more for the postmaster to reap
/// them.
fn wait_for_backends(s: &mut Server) {
    let started = Instant::now();
    while s
        .admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1",
            &[&DB],
        )
        .unwrap()
        .get::<_, i64>(0)
        > 0
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "backends still connected to {DB} after 30 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
}

/// The measured figures of one mode over the runs.
#[derive(Default)]
struct Figures {
    wall_ms: Vec<f64>,
    target_ms: Vec<f64>,
    /// CPU seconds per tenant, client and server.
    client_cpu: Vec<f64>,
    server_cpu: Vec<f64>,
}

impl Figures {
    fn add(&mut self, sample: &Sample, tenants: usize) {
        self.wall_ms.push(sample.wall_ms);
        self.target_ms.extend(sample.target_ms);
        self.client_cpu.push(sample.client_cpu / tenants as f64);
        self.server_cpu
            .extend(sample.server_cpu.map(|c| c / tenants as f64));
    }
}

/// Measures the fleet section and writes it into RESULTS.md, keeping the peers' part.
pub(crate) fn main() {
    let mut s = Server::from_env();
    let knobs = Knobs::from_env(&s);
    let clock = CpuClock::new(&mut s);
    // The server as the report names it: its version and where its data is.
    let server = (s.version(), s.data_directory());
    let started = Instant::now();
    let modes = knobs.modes();
    let mut figures: Vec<Figures> = modes.iter().map(|_| Figures::default()).collect();
    let mut single = Figures::default();
    // Runs interleaved across modes (run 1 of every mode, then run 2, ...), so that a slow
    // phase of the shared machine does not fall on one mode only; each run starts one mode
    // further (a mode's figures also depend on what the server did just before: dropping the
    // previous measurement's database, with its thousands of tables, for one).
    for run in 1..=knobs.runs {
        for k in 0..modes.len() {
            let m = (k + run - 1) % modes.len();
            s.fresh(DB);
            let sample = sample(&mut s, &clock, modes[m], knobs.tenants, "");
            eprintln!(
                "fleet run {run}: {}: {:.0} ms",
                modes[m].label(),
                sample.wall_ms
            );
            figures[m].add(&sample, knobs.tenants);
        }
        // The single-target runs of this run: each its own schema of one fresh database,
        // each in its own process; their CPU is averaged over the run (10 ms ticks).
        s.fresh(DB);
        // The first connection to a new database is slower (the server builds its caches):
        // an untimed target first.
        sample(&mut s, &clock, Mode::Single, 1, "warm_up");
        let (mut client_cpu, mut server_cpu) = (0.0, Some(0.0));
        for k in 1..=knobs.singles {
            let sample = sample(&mut s, &clock, Mode::Single, 1, &format!("single_{k}"));
            single.wall_ms.push(sample.wall_ms);
            client_cpu += sample.client_cpu;
            server_cpu = server_cpu.zip(sample.server_cpu).map(|(a, b)| a + b);
        }
        single.client_cpu.push(client_cpu / knobs.singles as f64);
        single
            .server_cpu
            .extend(server_cpu.map(|c| c / knobs.singles as f64));
        eprintln!(
            "fleet run {run}: single target: {:?} ms",
            &single.wall_ms[single.wall_ms.len() - knobs.singles..]
        );
    }
    s.drop(DB);
    let elapsed = started.elapsed().as_secs_f64();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    let section = report(
        &knobs,
        &modes,
        &figures,
        &single,
        &server,
        elapsed,
        &load.join(", "),
    );
    write_results(&section, |existing| {
        crate::sections::replace_section(existing, HEADING, &section)
    });
}

/// The statistics of one mode, ready for the tables.
struct Row {
    label: String,
    /// min(parallelism, cores): the speed-up a linear scaling reaches before the cores
    /// saturate (`None` for the loop and the single target).
    linear: Option<f64>,
    wall: Stat,
    target: Option<Stat>,
    cpu: Option<Stat>,
}

fn row(mode: Mode, f: &Figures, cores: usize) -> Row {
    let cpu = cpu_stat(f);
    Row {
        label: mode.label(),
        linear: match mode {
            Mode::Fleet(p) => Some(p.min(cores) as f64),
            _ => None,
        },
        wall: stat(f.wall_ms.clone()),
        target: (!f.target_ms.is_empty()).then(|| stat(f.target_ms.clone())),
        cpu,
    }
}

fn range(s: &Stat, scale: f64, digits: usize) -> String {
    format!(
        "{:.digits$} ({:.digits$}–{:.digits$})",
        s.median * scale,
        s.min * scale,
        s.max * scale
    )
}

fn report(
    knobs: &Knobs,
    modes: &[Mode],
    figures: &[Figures],
    single: &Figures,
    (version, data): &(String, String),
    elapsed: f64,
    load: &str,
) -> String {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let machine = std::env::var("BENCH_MACHINE").unwrap_or_default();
    let rows: Vec<Row> = modes
        .iter()
        .zip(figures)
        .map(|(m, f)| row(*m, f, cores))
        .collect();
    let single = row(Mode::Single, single, cores);
    let tenants = knobs.tenants as f64;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{HEADING} one set applied to {} tenant schemas (issue 13)\n",
        knobs.tenants
    );
    let _ = writeln!(
        o,
        "Written by `scripts/bench` (`scripts/bench fleet` runs this section alone). Machine: \
         {machine}. PostgreSQL {version} on the same machine (pg_virtualenv unless DATABASE_URL \
         was set; data directory {data}), loopback, plain TCP: the benchmark's process and the \
         server share the \
         {cores} cores, so the server's cores saturate at {cores} targets migrating at once, \
         or before (the client needs CPU too).\n\n\
         {} tenant schemas x {} migrations (bench/generated/fleet: a table, an index, an added \
         column and rows each, unqualified names), in one database created fresh for each \
         measurement; the benchmark's program (bench/fleet) runs in its own process. Each figure \
         is the median of {} runs with (min–max), runs interleaved across modes; the single \
         target's wall time is the median of {} runs of {} targets, each in its own process. \
         Wall time is measured in the program, from before the first connection to after the \
         last target, connections included. CPU is the program's (user + system) plus the \
         server backends' (counted by the postmaster when they exit; the server's background \
         processes are not included), in 10 ms ticks. The measurements took {elapsed:.0} s; \
         the machine's load average (1, 5, 15 min) at their end: {load} (other work on the \
         machine takes its share of the cores too).\n",
        knobs.tenants, knobs.migrations, knobs.runs, knobs.runs, knobs.singles
    );
    let _ = writeln!(o, "## Speed-up\n");
    let _ = writeln!(
        o,
        "Speed-up: in each run, the loop's wall time divided by the mode's (the modes of a run \
         follow each other, so they share the machine's load of the moment); the median over \
         the runs, with (min–max). Linear until the cores saturate: min(parallelism, {cores}).\n"
    );
    let _ = writeln!(
        o,
        "| mode | wall time (s) | speed-up vs the loop | linear until saturation | speed-up / linear |\n\
         |---|---|---|---|---|"
    );
    for (r, f) in rows.iter().zip(figures) {
        let speedup = speedup(&figures[0], f);
        let (linear, efficiency) = r.linear.map_or(("".into(), "".into()), |l| {
            (format!("{l:.0}x"), format!("{:.2}", speedup.median / l))
        });
        let _ = writeln!(
            o,
            "| {} | {} | {} | {linear} | {efficiency} |",
            r.label,
            range(&r.wall, 1e-3, 2),
            range(&speedup, 1.0, 2)
        );
    }
    server_scaling(&mut o, modes, figures);
    let _ = writeln!(o, "\n## Cost per tenant\n");
    let _ = writeln!(
        o,
        "Wall time per tenant: the mode's wall time divided by {} tenants; a target's own time: \
         the median over the fleet's targets of each one's time from its connection to its end \
         (as `FleetReport` gives it), which grows when targets share the cores; CPU per tenant: \
         client and server, divided by the tenants. Each divided by the same figure for one \
         target migrated alone.\n",
        knobs.tenants
    );
    let _ = writeln!(
        o,
        "| mode | wall time per tenant (ms) | / one target alone | a target's own time (ms) | / one target alone | CPU per tenant (ms) | / one target alone |\n\
         |---|---|---|---|---|---|---|"
    );
    let ratio = |a: f64, b: f64| format!("{:.2}x", a / b);
    let per_tenant = rows
        .iter()
        .map(|r| (r, r.wall.median / tenants))
        .chain(std::iter::once((&single, single.wall.median)));
    for (r, per_tenant) in per_tenant {
        let own = r.target.as_ref().map_or(("".into(), "".into()), |t| {
            (range(t, 1.0, 1), ratio(t.median, single.wall.median))
        });
        let cpu = match (&r.cpu, &single.cpu) {
            (Some(c), Some(one)) => (range(c, 1.0, 1), ratio(c.median, one.median)),
            _ => ("n/a (server not on this machine)".into(), "".into()),
        };
        let _ = writeln!(
            o,
            "| {} | {per_tenant:.1} | {} | {} | {} | {} | {} |",
            r.label,
            ratio(per_tenant, single.wall.median),
            own.0,
            own.1,
            cpu.0,
            cpu.1
        );
    }
    goals(&mut o, &rows, figures, &single, tenants);
    let _ = writeln!(o);
    server_goals(&mut o, modes, figures);
    o
}

/// `Fleet` at each parallelism and the same SQL without the tool at that parallelism, as pairs
/// of figures (the modes run).
fn pairs<'a>(modes: &[Mode], figures: &'a [Figures]) -> Vec<(usize, &'a Figures, &'a Figures)> {
    modes
        .iter()
        .zip(figures)
        .filter_map(|(m, fleet)| match m {
            Mode::Fleet(p) => {
                let raw = modes.iter().position(|r| *r == Mode::Raw(*p))?;
                Some((*p, fleet, &figures[raw]))
            }
            _ => None,
        })
        .collect()
}

/// The CPU (client and server) per tenant of a mode over the runs, in ms; `None` when the
/// server's is not known.
fn cpu_stat(f: &Figures) -> Option<Stat> {
    (!f.server_cpu.is_empty()).then(|| {
        stat(
            f.client_cpu
                .iter()
                .zip(&f.server_cpu)
                .map(|(c, s)| (c + s) * 1000.0)
                .collect(),
        )
    })
}

/// The median CPU (client and server) per tenant of a mode, in ms.
fn cpu_per_tenant(f: &Figures) -> Option<f64> {
    cpu_stat(f).map(|s| s.median)
}

/// The table that sets `Fleet` beside the same SQL run without the tool at the same parallelism:
/// how far the server itself scales on this machine, and what the tool adds.
fn server_scaling(o: &mut String, modes: &[Mode], figures: &[Figures]) {
    let pairs = pairs(modes, figures);
    let Some(&(_, fleet_one, raw_one)) = pairs.iter().find(|(p, _, _)| *p == 1) else {
        return;
    };
    let _ = writeln!(o, "\n## The server's own scaling\n");
    let _ = writeln!(
        o,
        "The same SQL without the tool (each migration in its own transaction under `SET LOCAL \
         search_path`; no history table, no lock, no checksum), by as many connections as \
         `Fleet` uses: the most any client can reach on this server and machine. Its speed-up \
         is over itself at parallelism 1; `Fleet`'s over the loop, as above, and over itself at \
         parallelism 1 (the loop opens a connection per tenant, `Fleet` reuses them).\n"
    );
    let _ = writeln!(
        o,
        "| parallelism | the SQL alone (s) | its speed-up | `Fleet`'s speed-up | `Fleet` over itself at 1 | `Fleet` / the SQL alone, wall | CPU per tenant, the SQL alone (ms) | `Fleet` / the SQL alone, CPU |\n\
         |---|---|---|---|---|---|---|---|"
    );
    let cpu = |f: &Figures| cpu_per_tenant(f).map_or("n/a".into(), |c| format!("{c:.1}"));
    let cpu_ratio =
        |fleet: &Figures, raw: &Figures| match (cpu_per_tenant(fleet), cpu_per_tenant(raw)) {
            (Some(a), Some(b)) => format!("{:.2}x", a / b),
            _ => "n/a".into(),
        };
    for (p, fleet, raw) in &pairs {
        let raw_wall = stat(raw.wall_ms.clone());
        let _ = writeln!(
            o,
            "| {p} | {} | {:.2} | {:.2} | {:.2} | {:.2}x | {} | {} |",
            range(&raw_wall, 1e-3, 2),
            speedup(raw_one, raw).median,
            speedup(&figures[0], fleet).median,
            speedup(fleet_one, fleet).median,
            stat(fleet.wall_ms.clone()).median / raw_wall.median,
            cpu(raw),
            cpu_ratio(fleet, raw)
        );
    }
}

/// The goals read against the server's own scaling.
fn server_goals(o: &mut String, modes: &[Mode], figures: &[Figures]) {
    let pairs = pairs(modes, figures);
    let Some(&(_, fleet_one, raw_one)) = pairs.iter().find(|(p, _, _)| *p == 1) else {
        return;
    };
    let shares: Vec<String> = pairs
        .iter()
        .map(|(p, fleet, raw)| {
            format!(
                "parallelism {p} {:.2}",
                speedup(fleet_one, fleet).median / speedup(raw_one, raw).median
            )
        })
        .collect();
    let _ = writeln!(
        o,
        "Read against the server's own scaling (the SQL alone at the same parallelism is the \
         ceiling here, since the server and the client share the machine's cores): `Fleet`'s \
         speed-up over itself at parallelism 1 / the SQL's own: {}.",
        shares.join(", ")
    );
    let one = pairs.iter().find(|(p, _, _)| *p == 1);
    let growth: Vec<String> = pairs
        .iter()
        .filter_map(|(p, fleet, raw)| {
            let (_, fleet_one, raw_one) = one?;
            Some(format!(
                "parallelism {p}: `Fleet` {:.2}x, the SQL alone {:.2}x",
                cpu_per_tenant(fleet)? / cpu_per_tenant(fleet_one)?,
                cpu_per_tenant(raw)? / cpu_per_tenant(raw_one)?
            ))
        })
        .collect();
    if !growth.is_empty() {
        let _ = writeln!(
            o,
            "CPU per tenant at each parallelism over the same at parallelism 1 (what running \
             tenants side by side costs the server, with and without the tool): {}.",
            growth.join("; ")
        );
    }
}

/// The speed-up of `mode` over `sequential`, run by run.
fn speedup(sequential: &Figures, mode: &Figures) -> Stat {
    stat(
        sequential
            .wall_ms
            .iter()
            .zip(&mode.wall_ms)
            .map(|(s, m)| s / m)
            .collect(),
    )
}

/// Issue 13's goals, checked against the medians above.
fn goals(o: &mut String, rows: &[Row], figures: &[Figures], single: &Row, tenants: f64) {
    let verdict = |met: bool| if met { "met" } else { "**missed**" };
    let _ = writeln!(o, "\n## Goals (issue 13)\n");
    let fleets: Vec<(&Row, &Figures)> = rows
        .iter()
        .zip(figures)
        .filter(|(r, _)| r.linear.is_some())
        .collect();
    let efficiencies: Vec<(String, f64)> = fleets
        .iter()
        .map(|(r, f)| {
            (
                r.label.trim_start_matches("`Fleet`, ").to_owned(),
                speedup(&figures[0], f).median / r.linear.unwrap(),
            )
        })
        .collect();
    let worst = efficiencies
        .iter()
        .map(|e| e.1)
        .fold(f64::INFINITY, f64::min);
    let _ = writeln!(
        o,
        "- speed-up close to linear until the server's cores are saturated (read here as at \
         least 0.8 of min(parallelism, cores)): {} (speed-up / linear: {}).",
        verdict(worst >= 0.8),
        efficiencies
            .iter()
            .map(|(l, e)| format!("{l} {e:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let fleets: Vec<&Row> = fleets.into_iter().map(|(r, _)| r).collect();
    if let Some(one) = fleets.iter().find(|r| r.linear == Some(1.0)) {
        let r = one.wall.median / tenants / single.wall.median;
        let _ = writeln!(
            o,
            "- per-tenant cost within 1.1x of a single-target run, wall time at parallelism 1 \
             (one target at a time, as alone): {} ({r:.2}x; the loop: {:.2}x).",
            verdict(r <= 1.1),
            rows[0].wall.median / tenants / single.wall.median
        );
    }
    if let Some(one) = &single.cpu {
        let ratios: Vec<(String, f64)> = fleets
            .iter()
            .filter_map(|r| {
                r.cpu.as_ref().map(|c| {
                    (
                        r.label.trim_start_matches("`Fleet`, ").to_owned(),
                        c.median / one.median,
                    )
                })
            })
            .collect();
        let worst = ratios.iter().map(|r| r.1).fold(0.0, f64::max);
        let _ = writeln!(
            o,
            "- per-tenant cost within 1.1x of a single-target run, CPU (client and server) at \
             every parallelism: {} ({}).",
            verdict(worst <= 1.1),
            ratios
                .iter()
                .map(|(l, r)| format!("{l} {r:.2}x"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}
