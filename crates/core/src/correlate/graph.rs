//! An indexed view of the topology's dependency graph for correlation: service closures,
//! dependents of a component, shortest dependency paths, and which shared component could
//! explain a set of affected services without contradicting the unaffected ones.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::ids::{ProviderId, ServiceId};
use crate::topology::{ComponentRef, Topology};

/// A service of some provider.
pub type ServiceKey = (ProviderId, ServiceId);

/// The label of a service in paths: `o2-de/mobile-data`.
pub fn service_label(s: &ServiceKey) -> String {
    format!("{}/{}", s.0, s.1)
}

/// Dependency graph with precomputed closures of components and services, and the dependents
/// of each component.
pub struct Graph<'a> {
    pub topo: &'a Topology,
    deps: BTreeMap<ComponentRef, Vec<ComponentRef>>,
    /// Every component a component depends on, itself included.
    below: BTreeMap<ComponentRef, BTreeSet<ComponentRef>>,
    tech: BTreeMap<ComponentRef, String>,
    services: BTreeMap<ServiceKey, ServiceInfo>,
    /// The services (in key order) whose closure holds a component.
    dependents: BTreeMap<ComponentRef, Vec<ServiceKey>>,
}

struct ServiceInfo {
    direct: Vec<ComponentRef>,
    closure: BTreeSet<ComponentRef>,
    technologies: BTreeSet<String>,
}

impl<'a> Graph<'a> {
    pub fn new(topo: &'a Topology) -> Self {
        let deps: BTreeMap<ComponentRef, Vec<ComponentRef>> = topo
            .components
            .iter()
            .map(|c| (c.key(), c.depends_on.clone()))
            .collect();
        let tech = topo
            .components
            .iter()
            .filter_map(|c| c.technology.clone().map(|t| (c.key(), t)))
            .collect();
        let mut g = Graph {
            topo,
            deps,
            below: BTreeMap::new(),
            tech,
            services: BTreeMap::new(),
            dependents: BTreeMap::new(),
        };
        g.below = g
            .deps
            .keys()
            .map(|c| (c.clone(), g.closure(std::slice::from_ref(c))))
            .collect();
        for s in &topo.services {
            let closure: BTreeSet<ComponentRef> = g.closure(&s.depends_on);
            let technologies: BTreeSet<String> = if s.technologies.is_empty() {
                closure
                    .iter()
                    .filter_map(|c| g.tech.get(c).cloned())
                    .collect()
            } else {
                s.technologies.iter().cloned().collect()
            };
            g.services.insert(
                (s.provider.clone(), s.id.clone()),
                ServiceInfo {
                    direct: s.depends_on.clone(),
                    closure,
                    technologies,
                },
            );
        }
        for (k, i) in &g.services {
            for c in &i.closure {
                g.dependents.entry(c.clone()).or_default().push(k.clone());
            }
        }
        g
    }

    /// Every component reachable from `start` (inclusive).
    pub fn closure(&self, start: &[ComponentRef]) -> BTreeSet<ComponentRef> {
        let mut seen = BTreeSet::new();
        let mut queue: VecDeque<ComponentRef> = start.iter().cloned().collect();
        while let Some(c) = queue.pop_front() {
            if !seen.insert(c.clone()) {
                continue;
            }
            if let Some(d) = self.deps.get(&c) {
                queue.extend(d.iter().cloned());
            }
        }
        seen
    }

    /// The dependency closure of a service (empty for an unknown one).
    pub fn service_closure(&self, s: &ServiceKey) -> BTreeSet<ComponentRef> {
        self.services
            .get(s)
            .map(|i| i.closure.clone())
            .unwrap_or_default()
    }

    /// The components a service depends on directly (empty for an unknown one).
    pub fn service_direct(&self, s: &ServiceKey) -> &[ComponentRef] {
        self.services.get(s).map(|i| &i.direct[..]).unwrap_or(&[])
    }

    /// The components that depend directly on `c`.
    pub fn direct_dependents(&self, c: &ComponentRef) -> Vec<&ComponentRef> {
        self.deps
            .iter()
            .filter(|(_, d)| d.contains(c))
            .map(|(k, _)| k)
            .collect()
    }

    /// Whether an operator signal measures component `c`.
    pub fn measured(&self, c: &ComponentRef) -> bool {
        self.topo
            .signals
            .iter()
            .any(|s| s.component.as_ref() == Some(c))
    }

    /// Whether component `a` depends (transitively) on `b` (`a != b`).
    pub fn component_depends(&self, a: &ComponentRef, b: &ComponentRef) -> bool {
        a != b && self.below.get(a).is_some_and(|s| s.contains(b))
    }

    /// Technologies of a service: its own list, else those of the components it needs.
    pub fn service_technologies(&self, s: &ServiceKey) -> BTreeSet<String> {
        self.services
            .get(s)
            .map(|i| i.technologies.clone())
            .unwrap_or_default()
    }

    pub fn technology(&self, c: &ComponentRef) -> Option<&str> {
        self.tech.get(c).map(String::as_str)
    }

    /// Every service (of any provider) that depends on `c`.
    pub fn dependents(&self, c: &ComponentRef) -> &[ServiceKey] {
        self.dependents.get(c).map_or(&[], Vec::as_slice)
    }

    /// The shortest dependency path from service `s` down to component `c`, as labels
    /// (`o2-de/mobile-data`, `o2-de:lte-ran`, `o2-de:mobile-core`); None without one.
    pub fn path_from_service(&self, s: &ServiceKey, c: &ComponentRef) -> Option<Vec<String>> {
        let info = self.services.get(s)?;
        let tail = self.path_from(&info.direct, c)?;
        let mut out = vec![service_label(s)];
        out.extend(tail.iter().map(|x| x.to_string()));
        Some(out)
    }

    /// The shortest path from one of `start` down to `c` (inclusive), if any.
    pub fn path_from(&self, start: &[ComponentRef], c: &ComponentRef) -> Option<Vec<ComponentRef>> {
        let mut parent: BTreeMap<ComponentRef, Option<ComponentRef>> = BTreeMap::new();
        let mut queue: VecDeque<ComponentRef> = VecDeque::new();
        for s in start {
            if !parent.contains_key(s) {
                parent.insert(s.clone(), None);
                queue.push_back(s.clone());
            }
        }
        while let Some(x) = queue.pop_front() {
            if &x == c {
                let mut path = vec![x.clone()];
                let mut cur = x;
                while let Some(Some(p)) = parent.get(&cur) {
                    path.push(p.clone());
                    cur = p.clone();
                }
                path.reverse();
                return Some(path);
            }
            if let Some(d) = self.deps.get(&x) {
                for n in d {
                    if !parent.contains_key(n) {
                        parent.insert(n.clone(), Some(x.clone()));
                        queue.push_back(n.clone());
                    }
                }
            }
        }
        None
    }

    /// How well `c` explains the `affected` services. `providers` are the providers whose
    /// services are observed: a dependent service of theirs (or of `c`'s owner) that is not
    /// affected argues against `c`.
    pub fn fit(
        &self,
        c: &ComponentRef,
        affected: &BTreeSet<ServiceKey>,
        providers: &BTreeSet<ProviderId>,
    ) -> Fit {
        let dependents = self.dependents(c);
        let covered: Vec<ServiceKey> = affected
            .iter()
            .filter(|s| dependents.contains(s))
            .cloned()
            .collect();
        let unaffected: Vec<ServiceKey> = dependents
            .iter()
            .filter(|s| !affected.contains(s))
            .filter(|s| providers.contains(&s.0) || s.0 == c.provider)
            .cloned()
            .collect();
        Fit {
            covered,
            affected: affected.len(),
            unaffected,
        }
    }
}

/// How a component fits a set of affected services.
#[derive(Clone, Debug)]
pub struct Fit {
    /// Affected services that depend on the component.
    pub covered: Vec<ServiceKey>,
    /// Number of affected services.
    pub affected: usize,
    /// Observed services that depend on it but show nothing.
    pub unaffected: Vec<ServiceKey>,
}

impl Fit {
    pub fn coverage(&self) -> f64 {
        if self.affected == 0 {
            0.0
        } else {
            self.covered.len() as f64 / self.affected as f64
        }
    }
    /// The component could be the one cause of every affected service: it is shared by all of
    /// them, and fewer than half as many observed dependents stay quiet as are affected.
    pub fn explains_all(&self) -> bool {
        self.affected > 0
            && self.covered.len() == self.affected
            && self.unaffected.len() * 2 < self.covered.len()
    }
}
