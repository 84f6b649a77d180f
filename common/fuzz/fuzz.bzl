"""hem_fuzz_target: one libFuzzer target and the test that replays its seeds.

hem_fuzz_target(name = "x_fuzz", srcs = ["x_fuzz.cc"], deps = [...]) makes
  :x_fuzz             a libFuzzer binary under --config=fuzz (clang, ASan,
                      UBSan); elsewhere the same code with a driver that runs
                      the files it is given, so every build compiles it;
  :x_fuzz_seeds_test  runs every seed in corpus/x_fuzz/ once (under ASan and
                      UBSan with --config=fuzz), so the corpus stays valid.
"""

def hem_fuzz_target(name, srcs, deps = [], **kwargs):
    native.cc_binary(
        name = name,
        testonly = True,
        srcs = srcs,
        deps = deps + ["//common/fuzz:quiet_protobuf"] + select({
            "//common/fuzz:fuzzing": [],
            "//conditions:default": ["//common/fuzz:standalone_main"],
        }),
        linkopts = select({
            "//common/fuzz:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        **kwargs
    )
    corpus = "corpus/" + name
    native.cc_test(
        name = name + "_seeds_test",
        size = "small",
        srcs = srcs,
        deps = deps + ["//common/fuzz:quiet_protobuf", "//common/fuzz:standalone_main"],
        data = native.glob([corpus + "/**"]),
        args = [native.package_name() + "/" + corpus],
        **kwargs
    )
