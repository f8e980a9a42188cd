"""Control numbers: one atomic counter per trading partner, never handed out twice."""

from __future__ import annotations

import threading

from tests.integration.edi.conftest import edi_settings


def test_concurrent_allocations_get_unique_increasing_numbers(edi_shop):
    shop = edi_shop
    taken: list[list[int]] = [[] for _ in range(4)]

    def allocate(slot: int) -> None:
        for _ in range(25):
            with shop.uow_factory() as uow:
                taken[slot].append(
                    uow.edi.next_control_number(shop.installation_id, shop.vendor_id)
                )
                uow.commit()

    threads = [threading.Thread(target=allocate, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    numbers = [n for slot in taken for n in slot]
    assert sorted(numbers) == list(range(1, 101))
    assert all(slot == sorted(slot) for slot in taken)  # each sender sees them increase


def test_a_rolled_back_allocation_is_handed_out_again_and_saving_settings_keeps_the_counter(
    edi_shop,
):
    from app.services.edi_partners import save_edi_settings

    shop = edi_shop
    with shop.uow_factory() as uow:
        assert uow.edi.next_control_number(shop.installation_id, shop.vendor_id) == 1
        # no commit: nothing used number 1
    with shop.uow_factory() as uow:
        assert uow.edi.next_control_number(shop.installation_id, shop.vendor_id) == 1
        uow.commit()
    save_edi_settings(
        shop.uow_factory, shop.installation_id, shop.vendor_id, edi_settings(shop.server)
    )
    with shop.uow_factory() as uow:
        assert uow.edi.next_control_number(shop.installation_id, shop.vendor_id) == 2
