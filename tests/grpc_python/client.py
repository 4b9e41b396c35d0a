"""A gRPC health client in Python (grpcio-health-checking), driven line by line.

tests/grpc_python.rs starts it as `python client.py HOST:PORT` and writes one command a line
on its standard input; it answers with one JSON object a line on its standard output:

    list            {"list": {"": "SERVING", ...}}  or  {"list_error": "RESOURCE_EXHAUSTED"}
    check NAME      {"check": NAME, "status": "SERVING"}  or  {"check": NAME, "error": "NOT_FOUND"}
    watch NAME      {"watching": NAME}, then on each message {"watch": NAME, "status": ...}
                    and when the stream ends {"watch": NAME, "ended": "OK" or a code}
    quit            exits

Each call has a deadline of 10 seconds (a Watch none: it is cancelled on quit). Without the
package it exits with status 3, saying so on its standard error.
"""

import json
import sys
import threading

try:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc
except ImportError as error:
    print(f"MISSING: {error}", file=sys.stderr)
    sys.exit(3)

if not hasattr(health_pb2, "HealthListRequest"):
    print("MISSING: this grpcio-health-checking has no List", file=sys.stderr)
    sys.exit(3)

DEADLINE = 10
Status = health_pb2.HealthCheckResponse.ServingStatus
out = threading.Lock()


def say(**message):
    with out:
        print(json.dumps(message), flush=True)


def follow(stub, name, calls):
    call = stub.Watch(health_pb2.HealthCheckRequest(service=name))
    calls.append(call)
    say(watching=name)
    try:
        for response in call:
            say(watch=name, status=Status.Name(response.status))
        say(watch=name, ended="OK")
    except grpc.RpcError as error:
        say(watch=name, ended=error.code().name)


def main():
    channel = grpc.insecure_channel(sys.argv[1])
    stub = health_pb2_grpc.HealthStub(channel)
    calls = []
    for line in sys.stdin:
        command, _, name = line.rstrip("\n").partition(" ")
        if command == "list":
            try:
                response = stub.List(health_pb2.HealthListRequest(), timeout=DEADLINE)
                statuses = {k: Status.Name(v.status) for k, v in response.statuses.items()}
                say(list=statuses)
            except grpc.RpcError as error:
                say(list_error=error.code().name)
        elif command == "check":
            request = health_pb2.HealthCheckRequest(service=name)
            try:
                response = stub.Check(request, timeout=DEADLINE)
                say(check=name, status=Status.Name(response.status))
            except grpc.RpcError as error:
                say(check=name, error=error.code().name)
        elif command == "watch":
            threading.Thread(target=follow, args=(stub, name, calls), daemon=True).start()
        elif command == "quit":
            break
        else:
            say(unknown_command=line.rstrip("\n"))
    for call in calls:
        call.cancel()
    channel.close()


if __name__ == "__main__":
    main()
