// perfsight monitoring mixin (monitoring-mixins convention): prometheusAlerts, prometheusRules
// and grafanaDashboards, built from the generated files that `make dashboards` copies into
// generated/. Selectors and alert labels come from _config (config.libsonnet).
local alerts = import 'generated/alerts.json';
local dashboards = import 'generated/dashboards.json';
local rules = import 'generated/rules.json';

local replaceAll(text, replacements) =
  std.foldl(function(acc, old) std.strReplace(acc, old, replacements[old]),
            std.objectFields(replacements), text);

local queryFields = ['expr', 'query', 'definition'];

// Rewrite every query string in a dashboard (targets and template variables).
local rewriteQueries(value, replacements) =
  if std.isObject(value) then {
    [key]: if std.member(queryFields, key) && std.isString(value[key])
    then replaceAll(value[key], replacements)
    else rewriteQueries(value[key], replacements)
    for key in std.objectFields(value)
  }
  else if std.isArray(value) then [rewriteQueries(item, replacements) for item in value]
  else value;

local generatedSelectors = (import 'generated/selectors.json').selectors;

// Old text -> new text: changed selectors first, then the explicit replacements.
local replacementsOf(config) = {
  [generatedSelectors[key]]: config.selectors[key]
  for key in std.objectFields(generatedSelectors)
  if std.objectHas(config.selectors, key) && config.selectors[key] != generatedSelectors[key]
} + config.selectorReplacements;

local rewriteGroups(groups, config) = [
  group {
    rules: [
      rule
      + { expr: replaceAll(rule.expr, replacementsOf(config)) }
      + (if std.objectHas(rule, 'alert') && config.alertLabels != {}
         then { labels+: config.alertLabels } else {})
      for rule in group.rules
    ],
  }
  for group in groups
];

(import 'config.libsonnet') + {
  prometheusAlerts+:: { groups+: rewriteGroups(alerts.groups, $._config) },
  prometheusRules+:: { groups+: rewriteGroups(rules.groups, $._config) },
  grafanaDashboards+:: {
    [name]: if replacementsOf($._config) == {}
    then dashboards.dashboards[name]
    else rewriteQueries(dashboards.dashboards[name], replacementsOf($._config))
    for name in std.objectFields(dashboards.dashboards)
  },
}
