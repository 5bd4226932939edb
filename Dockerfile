# perfsight exporter image: only the `exporters` package and its runtime dependencies.
#   docker build -t perfsight:0.1.0 .        (or: podman build / buildah bud)
#   docker run --rm -p 10099:10099 perfsight:0.1.0
# Host metrics from a container: mount the host's /proc, /sys and / read-only and pass
#   serve --path.procfs=/host/proc --path.sysfs=/host/sys --path.rootfs=/host/root
# The browser probe needs Chromium as well: derive an image that runs
# `playwright install --with-deps chromium`.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY exporters ./exporters
RUN python -m venv /opt/perfsight \
 && /opt/perfsight/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/perfsight/bin/pip install --no-cache-dir . \
 && /opt/perfsight/bin/perfsight --version

FROM ${PYTHON_IMAGE}
COPY --from=build /opt/perfsight /opt/perfsight
ENV PATH=/opt/perfsight/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
# nobody:nogroup, the uid the Helm chart's podSecurityContext runs as
USER 65534:65534
EXPOSE 10099
ENTRYPOINT ["perfsight"]
CMD ["serve"]
