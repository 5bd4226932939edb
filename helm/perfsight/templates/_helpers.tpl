{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "perfsight.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name prefix of every object: 53 characters at most, so "-databases" still fits a Service name's 63. */}}
{{- define "perfsight.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 53 | trimSuffix "-" }}
{{- else if contains (include "perfsight.name" .) .Release.Name }}
{{- .Release.Name | trunc 53 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "perfsight.name" .) | trunc 53 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "perfsight.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "perfsight.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of one component; call with (dict "root" $ "component" "system"). */}}
{{- define "perfsight.selectorLabels" -}}
app.kubernetes.io/name: {{ include "perfsight.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* All labels of one component's objects. */}}
{{- define "perfsight.componentLabels" -}}
{{ include "perfsight.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "perfsight.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "perfsight.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "perfsight.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* HTTP or HTTPS, from web.tls. */}}
{{- define "perfsight.scheme" -}}
{{- if .Values.web.tls }}HTTPS{{ else }}HTTP{{ end }}
{{- end }}

{{/* Flags every exporter container gets: listen address, logging, web config. */}}
{{- define "perfsight.commonArgs" -}}
- serve
- --web.listen-address=:{{ .port }}
- --log.level={{ .root.Values.logLevel }}
- --log.format={{ .root.Values.logFormat }}
{{- if .root.Values.web.existingSecret }}
- --web.config.file=/etc/perfsight/web/{{ .root.Values.web.configKey }}
{{- end }}
{{- end }}

{{/* Liveness and readiness probes on /-/healthy and /-/ready (outside basic auth). */}}
{{- define "perfsight.probes" -}}
livenessProbe:
  httpGet: {path: /-/healthy, port: http, scheme: {{ include "perfsight.scheme" .root }}}
  periodSeconds: 10
  timeoutSeconds: 5
readinessProbe:
  httpGet: {path: /-/ready, port: http, scheme: {{ include "perfsight.scheme" .root }}}
  periodSeconds: 10
  timeoutSeconds: 5
{{- end }}

{{/* Volume mount and volume of the web config Secret, when configured. */}}
{{- define "perfsight.webMount" -}}
{{- if .Values.web.existingSecret }}
- {name: web-config, mountPath: /etc/perfsight/web, readOnly: true}
{{- end }}
{{- end }}
{{- define "perfsight.webVolume" -}}
{{- if .Values.web.existingSecret }}
- name: web-config
  secret: {secretName: {{ .Values.web.existingSecret }}}
{{- end }}
{{- end }}

{{/* A Kubernetes-safe object name suffix from a file path: "alert_rules/host.yaml" -> "alert-rules-host". */}}
{{- define "perfsight.fileSuffix" -}}
{{- regexReplaceAll "[^a-z0-9]+" (lower (trimSuffix (ext .) .)) "-" | trimAll "-" }}
{{- end }}

{{/* The job label of one /probe target: jobByProber[its module's prober], else the component's job. */}}
{{- define "perfsight.targetJob" -}}
{{- $module := index .values.modules .target.module | default dict }}
{{- index .root.Values.jobByProber ($module.prober | default "") | default .values.job }}
{{- end }}

{{/* Scrape endpoints of one component: /metrics, plus one /probe endpoint per target when multiTarget is on. Call with (dict "root" $ "values" $values "monitor" $monitor "portKey" "port"|"targetPort"). */}}
{{- define "perfsight.endpoints" -}}
{{- $root := .root }}
{{- $monitor := .monitor }}
{{- $common := dict "interval" $monitor.interval "scheme" (lower (include "perfsight.scheme" $root)) }}
{{- with $root.Values.serviceMonitor.scrapeTimeout }}{{ $_ := set $common "scrapeTimeout" . }}{{ end }}
{{- if $root.Values.web.tls }}{{ with $root.Values.serviceMonitor.tlsConfig }}{{ $_ := set $common "tlsConfig" . }}{{ end }}{{ end }}
{{- with $root.Values.serviceMonitor.basicAuth }}{{ $_ := set $common "basicAuth" . }}{{ end }}
{{- $jobRelabel := dict "targetLabel" "job" "replacement" .values.job "action" "replace" }}
{{- $endpoints := list }}
{{- $metrics := merge (dict .portKey "http" "path" "/metrics" "relabelings" (concat (list $jobRelabel) $monitor.relabelings)) $common }}
{{- with $root.Values.serviceMonitor.metricRelabelings }}{{ $_ := set $metrics "metricRelabelings" . }}{{ end }}
{{- $endpoints = append $endpoints $metrics }}
{{- if and $root.Values.serviceMonitor.multiTarget .values.targets }}
{{- range .values.targets }}
{{- $targetJob := dict "targetLabel" "job" "replacement" (include "perfsight.targetJob" (dict "root" $root "values" $.values "target" .)) "action" "replace" }}
{{- $relabelings := list $targetJob (dict "targetLabel" "instance" "replacement" .name "action" "replace") (dict "targetLabel" "target" "replacement" .name "action" "replace") (dict "targetLabel" "module" "replacement" .module "action" "replace") }}
{{- with .location }}{{ $relabelings = append $relabelings (dict "targetLabel" "location" "replacement" . "action" "replace") }}{{ end }}
{{- $probe := merge (dict $.portKey "http" "path" "/probe" "params" (dict "target" (list .name) "module" (list .module)) "relabelings" (concat $relabelings $monitor.relabelings)) $common }}
{{- with $root.Values.serviceMonitor.metricRelabelings }}{{ $_ := set $probe "metricRelabelings" . }}{{ end }}
{{- $endpoints = append $endpoints $probe }}
{{- end }}
{{- end }}
{{- toYaml $endpoints }}
{{- end }}
