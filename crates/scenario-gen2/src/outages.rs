//! From faults to true outages: the provider of the failed component, every provider whose
//! services ride on it (an MVNO on its host network) and the telecoms an online service's
//! failure spills into. Each becomes one outage of `truth.json`, and a source of reports.

use crate::plan::{Fault, Scope};
use crate::world::{qualify, World};

/// How users notice an outage: which problems they report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Symptoms {
    /// The failed services' own problems.
    Own,
    /// Users blame their internet access for an online service that is down.
    SpillOver,
}

#[derive(Clone, Debug)]
pub struct Outage {
    pub id: String,
    pub provider: &'static str,
    pub services: Vec<&'static str>,
    pub scope: Scope,
    pub start: i64,
    pub end: i64,
    pub cause: String,
    /// The failed component: its own id for the provider's own fault, `provider:component`
    /// for another provider's.
    pub root: String,
    pub ramp: i64,
    pub intensity: f64,
    pub symptoms: Symptoms,
}

/// The outages of a fault, the provider's own first.
pub fn of_fault(world: &World, f: &Fault) -> Vec<Outage> {
    let host = world.provider(f.provider);
    let target = qualify(f.provider, f.component);
    let mut out = Vec::new();
    let own: Vec<&'static str> = match &f.services {
        Some(s) => s.clone(),
        None => host
            .services
            .iter()
            .filter(|s| world.service_needs(host, s, &target))
            .map(|s| s.id)
            .collect(),
    };
    out.push(Outage {
        id: format!("{}-{}", f.cause, f.provider),
        provider: f.provider,
        services: own,
        scope: f.scope.clone(),
        start: f.start,
        end: f.end,
        cause: f.cause.clone(),
        root: f.component.to_owned(),
        ramp: f.ramp,
        intensity: f.intensity,
        symptoms: Symptoms::Own,
    });
    if f.services.is_none() {
        for rider in world.providers.iter().filter(|p| p.id != f.provider) {
            let services: Vec<&'static str> = rider
                .services
                .iter()
                .filter(|s| world.service_needs(rider, s, &target))
                .map(|s| s.id)
                .collect();
            if services.is_empty() {
                continue;
            }
            let market: Vec<&str> = world.market(rider).iter().map(|r| r.id).collect();
            let scope = match &f.scope {
                Scope::All => Scope::All,
                Scope::List(l) => {
                    Scope::List(l.iter().copied().filter(|r| market.contains(r)).collect())
                }
            };
            if scope == Scope::List(Vec::new()) {
                continue;
            }
            out.push(Outage {
                id: format!("{}-{}", f.cause, rider.id),
                provider: rider.id,
                services,
                scope,
                start: f.start,
                end: f.end,
                cause: f.cause.clone(),
                root: target.clone(),
                ramp: f.ramp,
                intensity: f.intensity,
                symptoms: Symptoms::Own,
            });
        }
    }
    for s in &f.spill {
        out.push(Outage {
            id: format!("{}-{}", f.cause, s.provider),
            provider: s.provider,
            services: s.services.clone(),
            scope: Scope::All,
            start: f.start + s.lag,
            end: f.end,
            cause: f.cause.clone(),
            root: target.clone(),
            ramp: 3 * 60,
            intensity: s.intensity,
            symptoms: Symptoms::SpillOver,
        });
    }
    out
}
