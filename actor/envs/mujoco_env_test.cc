// Every MuJoCo model runs well inside the memory it declares (<size nstack
// njmax nconmax> are set small so resets stay cheap) and raises no warnings.
#include "actor/envs/mujoco_env.h"

#include <memory>
#include <string>

#include "actor/envs/env.h"
#include "actor/envs/env_test_util.h"
#include "gtest/gtest.h"

namespace hem {
namespace {

TEST(MujocoEnv, ModelsHaveHeadroomAndNoWarnings) {
  for (const std::string name : {"point_mass", "reacher", "fetch_reach", "sawyer_reach"}) {
    absl::StatusOr<std::unique_ptr<Env>> env = CreateEnv(name);
    ASSERT_TRUE(env.ok()) << env.status();
    auto* mujoco = dynamic_cast<MujocoEnv*>(env->get());
    ASSERT_NE(mujoco, nullptr);
    const mjModel* m = mujoco->model();
    int max_stack = 0, max_efc = 0, max_con = 0;
    // Random actions press the ball into walls and pillars and swing the
    // arms to their limits; the maxima are tracked across resets.
    for (uint64_t seed = 0; seed < 20; ++seed) {
      testing::RunEpisode(**env, seed, testing::RandomController((*env)->spec(), seed));
      const mjData* d = mujoco->data();
      max_stack = std::max(max_stack, d->maxuse_stack);
      max_efc = std::max(max_efc, d->maxuse_efc);
      max_con = std::max(max_con, d->maxuse_con);
      for (int i = 0; i < mjNWARNING; ++i) {
        EXPECT_EQ(d->warning[i].number, 0) << name << " warning " << i;
      }
    }
    std::printf("%-13s stack %d/%d efc %d/%d contacts %d/%d\n", name.c_str(), max_stack,
                m->nstack, max_efc, m->njmax, max_con, m->nconmax);
    EXPECT_LT(max_stack, m->nstack / 2) << name;
    EXPECT_LT(max_efc, m->njmax / 2) << name;
    EXPECT_LE(max_con, m->nconmax / 2) << name;
  }
}

}  // namespace
}  // namespace hem
