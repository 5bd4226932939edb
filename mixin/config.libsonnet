// Settings of the perfsight mixin; override them with `+ { _config+:: { ... } }`.
{
  _config+:: {
    // Label matchers of each exporter's series, as perfsight.yaml set them when the rules and
    // dashboards were generated; set yours, e.g. selectors+: { host: 'job="node-exporter"' },
    // and every rule `expr` and dashboard query using the old matchers is rewritten.
    selectors: (import 'generated/selectors.json').selectors,
    // Any other text to rewrite in those expressions: { 'old matchers': 'new matchers' }.
    selectorReplacements: {},
    // Extra labels added to every alert, e.g. { team: 'sre' }.
    alertLabels: {},
  },
}
