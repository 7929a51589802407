//! `list_all_processes` over 100,000 processes: correct filtering, sorting
//! and paging at that size (the time is printed, not asserted: timing is
//! for benchmarks, not tests).

mod common;

use common::system_with;
use otpsim::control::{self, ListOpts, SortKey};
use otpsim::runtime::SpawnOpts;
use otpsim::system::SystemOptions;
use otpsim::term::Term;

#[test]
fn listing_a_hundred_thousand_processes() {
    let mut sys = system_with(
        r#"{"tree":{"id":"root","type":"supervisor","children":[{"id":"a","type":"worker"}]}}"#,
        SystemOptions { observe_flows: false, ..Default::default() },
    );
    for i in 0..100_000u32 {
        sys.runtime_unlogged().spawn(
            SpawnOpts::named(if i % 10 == 0 { "tens:loop/0" } else { "ones:loop/0" }),
            |c| async move {
                c.receive().await;
                Term::atom("normal")
            },
        );
    }
    sys.runtime_unlogged().run_until_idle(10_000_000);
    let t = std::time::Instant::now();
    let page = control::list_all_processes(
        &sys,
        &ListOpts {
            module: Some("tens".into()),
            sort: SortKey::Memory,
            limit: Some(50),
            offset: 100,
            ..Default::default()
        },
    );
    let took = t.elapsed();
    eprintln!("list_all_processes over {} processes: {:?}", page.total, took);
    assert_eq!(page.total, 100_002);
    assert_eq!(page.matched, 10_000);
    assert_eq!(page.processes.len(), 50);
    assert!(page.processes.windows(2).all(|w| w[0].memory_words >= w[1].memory_words));
}
