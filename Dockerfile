FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
# the product only: simulators/, demo/, tests/ and bench/ stay out of the image
COPY hub hub
COPY connectors connectors
COPY schemas schemas
COPY contracts contracts
RUN pip install --no-cache-dir -e .
# SIGTERM drains in-flight messages before the container stops
STOPSIGNAL SIGTERM
CMD ["hub", "run"]
