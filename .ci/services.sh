# Sourced by `make test`: point the tests at PostgreSQL and Redis on loopback when they answer.
# In CI (CI=true) both are required: they are started if down, and a missing one fails the run.
_port_open() { python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$1" 2>/dev/null; }

if [ "${CI:-}" = "true" ]; then
  _port_open 5432 || pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  _port_open 6379 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
  for _ in $(seq 1 30); do _port_open 5432 && _port_open 6379 && break; sleep 1; done
  _port_open 5432 || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; return 1; }
  _port_open 6379 || { echo "Redis is not reachable on 127.0.0.1:6379" >&2; return 1; }
fi
if [ -z "${TEST_POSTGRES_URL:-}" ] && _port_open 5432; then
  export TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:5432/postgres"
fi
if [ -z "${TEST_REDIS_URL:-}" ] && _port_open 6379; then
  export TEST_REDIS_URL="redis://127.0.0.1:6379/15"
fi
echo "databases: sqlite${TEST_POSTGRES_URL:+ + postgresql}; broker: ${TEST_REDIS_URL:+redis + }sqlite"
