-- One database per service (ARCHITECTURE.md §2); `make up` creates the same ones locally.
CREATE DATABASE leads_ingest;
CREATE DATABASE leads_enrichment;
CREATE DATABASE leads_scoring;
CREATE DATABASE leads_pipeline;
CREATE DATABASE leads_sequences;
CREATE DATABASE leads_notification;
