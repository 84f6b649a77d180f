"""Exposes Debian's system libraries (and a configurable LibTorch) to Bazel.

Headers of every library except LibTorch's C++ API live under /usr/include,
which the compiler already searches, so each target is mostly link options.
"""

_LIBDIR = "/usr/lib/x86_64-linux-gnu"

def _system_libraries_impl(ctx):
    # Every Abseil library Debian ships, discovered rather than listed, so an
    # Abseil upgrade that splits a library does not break the link.
    absl_libs = []
    for entry in ctx.path(_LIBDIR).readdir():
        name = entry.basename
        if name.startswith("libabsl_") and name.endswith(".so"):
            absl_libs.append("-l" + name[len("lib"):-len(".so")])
    absl_libs = sorted(absl_libs)
    ctx.file("WORKSPACE", "workspace(name = \"system_libraries\")\n")
    ctx.file("BUILD.bazel", """
package(default_visibility = ["//visibility:public"])

cc_library(name = "absl", linkopts = {absl})
cc_library(
    name = "protobuf",
    linkopts = ["-lprotobuf", "-lpthread"],
    deps = [":absl"],
)
cc_library(
    name = "grpc",
    linkopts = ["-lgrpc++", "-lgrpc", "-lgpr"],
    deps = [":protobuf", ":absl"],
)
cc_library(
    name = "gtest",
    defines = ["GTEST_HAS_PTHREAD=1"],
    linkopts = ["-lgmock", "-lgtest", "-lpthread"],
)
cc_library(
    name = "gtest_main",
    linkopts = ["-lgtest_main"],
    deps = [":gtest"],
)
cc_library(name = "benchmark", linkopts = ["-lbenchmark", "-lpthread"])
cc_library(name = "mujoco", linkopts = ["-lmujoco"])
cc_library(name = "egl", linkopts = ["-lEGL"])
cc_library(name = "png", linkopts = ["-lpng"])
cc_library(name = "zlib", linkopts = ["-lz"])
# OpenBLAS's CBLAS (Debian's libopenblas-dev): the actors' lean MLP path.
cc_library(name = "openblas", linkopts = ["-lopenblas"])
# cpp-httplib (Debian's libcpp-httplib-dev, compiled with OpenSSL, zlib and
# brotli support: its headers must see the same switches) and OpenSSL.
cc_library(
    name = "httplib",
    defines = [
        "CPPHTTPLIB_OPENSSL_SUPPORT",
        "CPPHTTPLIB_ZLIB_SUPPORT",
        "CPPHTTPLIB_BROTLI_SUPPORT",
    ],
    linkopts = ["-lcpp-httplib", "-lssl", "-lcrypto", "-lpthread"],
)
""".format(absl = repr(absl_libs)))

system_libraries = repository_rule(
    implementation = _system_libraries_impl,
    local = True,
)

def _libtorch_impl(ctx):
    # HEM_LIBTORCH_DIR selects an unpacked LibTorch (e.g. a CUDA build):
    #   bazel build --repo_env=HEM_LIBTORCH_DIR=/opt/libtorch //...
    # Unset, Debian's CPU LibTorch under /usr is used.
    root = ctx.os.environ.get("HEM_LIBTORCH_DIR", "")
    if root:
        include = root + "/include"
        libdir = root + "/lib"
    else:
        include = "/usr/include"
        libdir = _LIBDIR
    api_include = include + "/torch/csrc/api/include"
    if not ctx.path(api_include + "/torch/torch.h").exists:
        fail("LibTorch C++ API headers not found at %s (set HEM_LIBTORCH_DIR " % api_include +
             "to a LibTorch directory, or install Debian's libtorch-dev)")
    ctx.symlink(api_include, "api_include")
    includes = ["api_include"]
    if root:
        ctx.symlink(include, "core_include")
        includes.append("core_include")
    linkopts = ["-L" + libdir, "-Wl,-rpath," + libdir]
    defines = []
    has_cuda = ctx.path(libdir + "/libtorch_cuda.so").exists
    if has_cuda:
        # CUDA kernels register themselves from static initialisers; without
        # --no-as-needed the linker drops the library and CUDA looks absent.
        linkopts += ["-Wl,--push-state,--no-as-needed", "-ltorch_cuda", "-lc10_cuda", "-Wl,--pop-state"]
        defines.append("HEM_LIBTORCH_HAS_CUDA=1")
    linkopts += ["-ltorch", "-ltorch_cpu", "-lc10"]
    ctx.file("WORKSPACE", "workspace(name = \"libtorch\")\n")
    ctx.file("BUILD.bazel", """
package(default_visibility = ["//visibility:public"])

cc_library(
    name = "libtorch",
    includes = {includes},
    # Declared so the sandbox stages them (undeclared headers are invisible).
    hdrs = glob([d + "/**/*.h" for d in {includes}] + [d + "/**/*.cuh" for d in {includes}]),
    linkopts = {linkopts},
    defines = {defines},
    # LibTorch headers trip many warnings we do not own.
    copts = ["-Wno-unused-parameter", "-Wno-sign-compare"],
)
""".format(includes = repr(includes), linkopts = repr(linkopts), defines = repr(defines)))

libtorch_repository = repository_rule(
    implementation = _libtorch_impl,
    local = True,
    environ = ["HEM_LIBTORCH_DIR"],
)
