/* roles.c - GET /v2/organizations/roles (beyond.md §4). */
#include "api/api.h"

#include "model/user.h"

/* GET /v2/organizations/roles: {"data":[Role]} — ADMIN, MANAGER, SALES_REP
 * with uuids stable per organization. Any valid key may list. */
void api_roles_list(req_t *r)
{
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    jsonw_arr_begin(&w);
    for (int i = 0; i < USER_ROLES; i++)
        user_role_render(&w, r->scope.org_uuid, &user_roles[i]);
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
}
