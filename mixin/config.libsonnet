// Settings of the perfsight mixin; override them with `+ { _config+:: { ... } }`.
{
  _config+:: {
    // Label matchers as the generated rules and dashboards spell them (from perfsight.yaml's
    // selectors), mapped to the ones your setup uses; every rule `expr` and every dashboard
    // query is rewritten with them, e.g. { 'job="perfsight"': 'job="node-exporter"' }.
    selectorReplacements: {},
    // Extra labels added to every alert, e.g. { team: 'sre' }.
    alertLabels: {},
  },
}
