//! The Control API's analyses of a live system, one concept per file:
//! relationships and dependencies, failure impact, health, bottlenecks,
//! profiling, and the report that gathers them.

mod bottlenecks;
mod health;
mod impact;
mod profiling;
mod relationships;
mod report;

pub use bottlenecks::{
    detect_bottlenecks, Bottlenecks, CallChain, ContendedServer, GrowingQueue, GROWTH_THRESHOLD_PER_S,
};
pub use health::{
    analyze_system_health, Finding, Penalty, SystemHealth, HEALTH_FORMULA, HIGH_MEMORY_WORDS, HIGH_QUEUE,
};
pub use impact::{trace_failure_impact, FailureImpact, ImpactEntry, ImpactRestart};
pub use profiling::{profile_process, CallbackProfile, Profile};
pub use relationships::{
    blocked_on, build_relationship_graph, find_process_dependencies, Dependencies, DependencyEdge, GraphEdge,
    GraphNode, RelationshipGraph,
};
pub use report::{
    generate_system_report, generate_system_report_with, ReportExtras, ReportFlow, ReportMessage, ReportTreeNode,
    SystemReport, MARKDOWN_FLOW_MESSAGES,
};
