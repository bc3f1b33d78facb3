// The projects of my organization, with Label and (for managers) Manage links.

import { get } from './api.js';
import { $, roleAtLeast, showMessage, wireLogout } from './ui.js';

wireLogout();

async function main() {
  const [me, projects] = await Promise.all([get('/me'), get('/projects')]);
  const list = $('#projects');
  const row = $('#project-row');
  const canManage = roleAtLeast(me.role, 'manager');
  for (const project of projects) {
    const item = row.content.firstElementChild.cloneNode(true);
    item.dataset.projectId = project.id;
    $('.project-name', item).textContent = project.name;
    $('.project-description', item).textContent = project.description || '';
    $('.label-link', item).href = `/projects/${project.id}/label`;
    const manage = $('.manage-link', item);
    if (canManage) {
      manage.href = `/projects/${project.id}/manage`;
      manage.hidden = false;
    } else manage.remove();
    list.append(item);
  }
  if (!projects.length) showMessage('No projects yet in this organization.', 'info');
}

main().catch(showMessage).finally(() => { $('#loading').hidden = true; });
