#!/bin/sh
# Run once by the postgres image when its volume is empty (docker-entrypoint-initdb.d): the login role the API
# connects with at run time. It gets no attribute and owns nothing; the API's start-up, as the owner
# (POSTGRES_USER), grants it reading and writing the tables (docs/decisions/0023-database-faults.md).
set -eu
psql -v ON_ERROR_STOP=1 -v app_password="$OBSERVATOIRE_APP_PASSWORD" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
create role observatoire_app login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password :'app_password';
SQL
