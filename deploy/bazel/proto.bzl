"""C++ code generation for the project's .proto files with Debian's protoc."""

def hem_proto_library(name, srcs, deps = [], grpc = False):
    """Generates C++ (and optionally gRPC) code for `srcs` into a cc_library.

    Generated files keep the proto's path, so `proto/x.proto` is included as
    "proto/x.pb.h". `deps` are other hem_proto_library targets.
    """
    bases = [src[:-len(".proto")] for src in srcs]
    outs = []
    for base in bases:
        outs += [base + ".pb.h", base + ".pb.cc"]
        if grpc:
            outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
    pkg = native.package_name()
    cmd = "/usr/bin/protoc -I. --cpp_out=$(GENDIR)"
    if grpc:
        cmd += " --grpc_out=$(GENDIR) --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin"
    cmd += " " + " ".join([pkg + "/" + src for src in srcs])
    native.genrule(
        name = name + "_codegen",
        srcs = srcs + [dep + "_srcs" for dep in deps],
        outs = outs,
        cmd = cmd,
    )
    native.filegroup(name = name + "_srcs", srcs = srcs + [dep + "_srcs" for dep in deps])
    native.cc_library(
        name = name,
        srcs = [out for out in outs if out.endswith(".cc")],
        hdrs = [out for out in outs if out.endswith(".h")],
        deps = deps + ["@system_libraries//:protobuf"] +
               (["@system_libraries//:grpc"] if grpc else []),
        visibility = ["//visibility:public"],
    )
